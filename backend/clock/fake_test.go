package clock

import (
	"sync"
	"testing"
	"time"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fired returns the value waiting in c, if any, without blocking.
func fired(c <-chan time.Time) (time.Time, bool) {
	select {
	case v := <-c:
		return v, true
	default:
		return time.Time{}, false
	}
}

func TestFakeNowAdvanceSet(t *testing.T) {
	f := NewFake(epoch)
	if got := f.Now(); !got.Equal(epoch) {
		t.Fatalf("Now() = %v, want %v", got, epoch)
	}
	f.Advance(90 * time.Second)
	if got, want := f.Now(), epoch.Add(90*time.Second); !got.Equal(want) {
		t.Fatalf("after Advance, Now() = %v, want %v", got, want)
	}
	f.Set(epoch)
	if got := f.Now(); !got.Equal(epoch) {
		t.Fatalf("after Set, Now() = %v, want %v", got, epoch)
	}
}

func TestFakeTimer(t *testing.T) {
	tests := []struct {
		name    string
		arm     time.Duration
		advance time.Duration
		want    bool // fired
	}{
		{"before the deadline", time.Minute, time.Minute - time.Nanosecond, false},
		{"at the deadline", time.Minute, time.Minute, true},
		{"past the deadline", time.Minute, time.Hour, true},
		{"zero duration fires at once", 0, 0, true},
		{"negative duration fires at once", -time.Second, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := NewFake(epoch)
			tm := f.NewTimer(tt.arm)
			f.Advance(tt.advance)
			v, ok := fired(tm.C())
			if ok != tt.want {
				t.Fatalf("fired = %v, want %v", ok, tt.want)
			}
			want := epoch.Add(max(tt.arm, 0))
			if ok && !v.Equal(want) {
				t.Errorf("fired with %v, want the deadline %v", v, want)
			}
			if want := 0; ok && f.Timers() != want {
				t.Errorf("Timers() after firing = %d, want %d", f.Timers(), want)
			}
		})
	}
}

func TestFakeTimerStopReset(t *testing.T) {
	f := NewFake(epoch)
	tm := f.NewTimer(time.Minute)
	if !tm.Stop() {
		t.Error("Stop on an armed timer = false, want true")
	}
	f.Advance(time.Hour)
	if _, ok := fired(tm.C()); ok {
		t.Error("a stopped timer fired")
	}
	if tm.Stop() {
		t.Error("Stop on a stopped timer = true, want false")
	}

	// A value left in the channel is dropped by Reset: no stale wake-up.
	tm = f.NewTimer(time.Second)
	f.Advance(time.Second)
	if tm.Reset(time.Minute) {
		t.Error("Reset on a fired timer = true, want false")
	}
	if _, ok := fired(tm.C()); ok {
		t.Error("Reset left the earlier value in the channel")
	}
	if !tm.Reset(2 * time.Minute) {
		t.Error("Reset on an armed timer = false, want true")
	}
	f.Advance(time.Minute)
	if _, ok := fired(tm.C()); ok {
		t.Error("timer fired at its old deadline after Reset")
	}
	f.Advance(time.Minute)
	if _, ok := fired(tm.C()); !ok {
		t.Error("timer did not fire at its new deadline")
	}
}

func TestFakeFiresInDeadlineOrder(t *testing.T) {
	f := NewFake(epoch)
	late := f.NewTimer(3 * time.Second)
	early := f.NewTimer(time.Second)
	later := f.NewTimer(time.Hour)
	f.Set(epoch.Add(5 * time.Second))
	for name, tm := range map[string]Timer{"early": early, "late": late} {
		if _, ok := fired(tm.C()); !ok {
			t.Errorf("%s timer did not fire", name)
		}
	}
	if _, ok := fired(later.C()); ok {
		t.Error("the one-hour timer fired after five seconds")
	}
	if got := f.Timers(); got != 1 {
		t.Errorf("Timers() = %d, want 1", got)
	}
}

func TestFakeSetBackwardsFiresNothing(t *testing.T) {
	f := NewFake(epoch)
	tm := f.NewTimer(time.Minute)
	f.Set(epoch.Add(-time.Hour))
	if _, ok := fired(tm.C()); ok {
		t.Fatal("moving the clock backwards fired a timer")
	}
	f.Set(epoch.Add(time.Minute))
	if _, ok := fired(tm.C()); !ok {
		t.Fatal("timer did not fire at its original deadline")
	}
}

func TestFakeBlockUntil(t *testing.T) {
	f := NewFake(epoch)
	got := make(chan time.Time)
	go func() {
		tm := f.NewTimer(time.Minute)
		got <- <-tm.C()
	}()
	f.BlockUntil(1)
	f.Advance(time.Minute)
	if v := <-got; !v.Equal(epoch.Add(time.Minute)) {
		t.Fatalf("goroutine woke with %v, want %v", v, epoch.Add(time.Minute))
	}
	f.WaitForTimers(0) // already true: must not block
}

// TestFakeConcurrent is for the race detector: every method at once.
func TestFakeConcurrent(t *testing.T) {
	f := NewFake(epoch)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range 200 {
				tm := f.NewTimer(time.Duration(i%5) * time.Millisecond)
				_ = f.Now()
				if i%3 == 0 {
					tm.Stop()
				} else {
					tm.Reset(time.Millisecond)
				}
			}
		})
	}
	wg.Go(func() {
		for range 400 {
			f.Advance(time.Millisecond)
		}
	})
	wg.Wait()
	if want := epoch.Add(400 * time.Millisecond); !f.Now().Equal(want) {
		t.Fatalf("Now() = %v, want %v", f.Now(), want)
	}
}
