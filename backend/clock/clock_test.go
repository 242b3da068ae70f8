package clock

import (
	"testing"
	"time"
)

func TestRealNow(t *testing.T) {
	before := time.Now()
	got := Real().Now()
	if got.Before(before) || got.After(time.Now()) {
		t.Fatalf("Real().Now() = %v, not between the surrounding time.Now calls", got)
	}
}

func TestRealTimer(t *testing.T) {
	c := Real()
	tm := c.NewTimer(0)
	select {
	case <-tm.C():
	case <-time.After(10 * time.Second):
		t.Fatal("a zero-duration real timer did not fire")
	}
	if tm.Stop() {
		t.Error("Stop on a fired timer = true, want false")
	}

	tm = c.NewTimer(time.Hour)
	if !tm.Stop() {
		t.Error("Stop on an armed timer = false, want true")
	}
	if tm.Reset(0) {
		t.Error("Reset on a stopped timer = true, want false")
	}
	select {
	case <-tm.C():
	case <-time.After(10 * time.Second):
		t.Fatal("a real timer reset to zero did not fire")
	}
}
