// Package clock owns the notion of "now" for meshflow. Code that waits or
// stamps times takes a Clock so that production uses the wall clock and tests
// use a Fake they move by hand, with no sleeps.
package clock

import "time"

// Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is a one-shot timer, like time.Timer. Stop and Reset follow the Go
// 1.23 semantics: after either returns, C delivers no value from the earlier
// arming.
type Timer interface {
	// C delivers the time the timer fired.
	C() <-chan time.Time
	// Stop disarms the timer and reports whether it was armed.
	Stop() bool
	// Reset re-arms the timer to fire after d and reports whether it was
	// armed before.
	Reset(d time.Duration) bool
}

var (
	_ Clock = realClock{}
	_ Timer = (*realTimer)(nil)
)

// Real returns the wall clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return &realTimer{t: time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r *realTimer) C() <-chan time.Time { return r.t.C }

func (r *realTimer) Stop() bool { return r.t.Stop() }

func (r *realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }
