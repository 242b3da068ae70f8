package clock

import (
	"slices"
	"sync"
	"time"
)

var (
	_ Clock = (*Fake)(nil)
	_ Timer = (*fakeTimer)(nil)
)

// Fake is a Clock that moves only when told to. Timers fire synchronously
// inside Advance or Set, in deadline order, so a test can arm a timer, move
// the clock past it and know the value is in the channel. It is safe for
// concurrent use.
type Fake struct {
	mu      sync.Mutex
	changed *sync.Cond // broadcast whenever the set of armed timers changes
	now     time.Time
	armed   []*fakeTimer
}

// NewFake returns a Fake clock reading start.
func NewFake(start time.Time) *Fake {
	f := &Fake{now: start}
	f.changed = sync.NewCond(&f.mu)
	return f
}

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a timer that fires once the clock reaches Now()+d. A
// timer with d <= 0 fires at once.
func (f *Fake) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{f: f, c: make(chan time.Time, 1)}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.arm(t, d)
	return t
}

// Advance moves the clock forward by d and fires every timer that falls due.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.moveTo(f.now.Add(d))
}

// Set moves the clock to t. Moving it backwards fires nothing; timers keep
// their deadlines.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.moveTo(t)
}

// BlockUntil waits until at least n timers are armed. Tests call it before
// Advance to be sure the code under test is waiting on its timer. It never
// times out: a test that waits for a timer nobody arms hangs until go test
// kills it.
func (f *Fake) BlockUntil(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.armed) < n {
		f.changed.Wait()
	}
}

// WaitForTimers is BlockUntil under the name other fake clocks use.
func (f *Fake) WaitForTimers(n int) { f.BlockUntil(n) }

// Timers returns the number of armed timers.
func (f *Fake) Timers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.armed)
}

// moveTo sets the time and fires what is due, earliest first. f.mu is held.
func (f *Fake) moveTo(t time.Time) {
	f.now = t
	due := make([]*fakeTimer, 0, len(f.armed))
	for _, tm := range f.armed {
		if !tm.deadline.After(t) {
			due = append(due, tm)
		}
	}
	if len(due) == 0 {
		return
	}
	slices.SortStableFunc(due, func(a, b *fakeTimer) int { return a.deadline.Compare(b.deadline) })
	for _, tm := range due {
		f.disarm(tm)
		tm.fire(tm.deadline)
	}
}

// arm schedules t to fire after d, or fires it now when d <= 0. f.mu is held.
func (f *Fake) arm(t *fakeTimer, d time.Duration) {
	if d <= 0 {
		t.fire(f.now)
		return
	}
	t.deadline = f.now.Add(d)
	f.armed = append(f.armed, t)
	f.changed.Broadcast()
}

// disarm removes t from the armed timers and reports whether it was there.
// f.mu is held.
func (f *Fake) disarm(t *fakeTimer) bool {
	i := slices.Index(f.armed, t)
	if i < 0 {
		return false
	}
	f.armed = slices.Delete(f.armed, i, i+1)
	f.changed.Broadcast()
	return true
}

type fakeTimer struct {
	f        *Fake
	c        chan time.Time
	deadline time.Time // guarded by f.mu
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	t.drain()
	return t.f.disarm(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	t.drain()
	was := t.f.disarm(t)
	t.f.arm(t, d)
	return was
}

// fire delivers at without blocking; the channel holds one value, like a
// time.Timer's.
func (t *fakeTimer) fire(at time.Time) {
	select {
	case t.c <- at:
	default:
	}
}

// drain drops an undelivered value so that a stopped or reset timer never
// hands out a stale time.
func (t *fakeTimer) drain() {
	select {
	case <-t.c:
	default:
	}
}
