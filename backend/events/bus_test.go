package events

import (
	"sync"
	"testing"
)

func TestBusCoalescesAndSeparatesRuns(t *testing.T) {
	var b Bus
	one, cancelOne := b.Subscribe(1)
	defer cancelOne()
	two, cancelTwo := b.Subscribe(2)
	defer cancelTwo()

	b.Publish(1)
	b.Publish(1) // coalesced with the first: never blocks
	b.Publish(3) // nobody listens
	select {
	case <-one:
	default:
		t.Fatal("run 1's subscriber got no signal")
	}
	select {
	case <-one:
		t.Fatal("two publishes before a read gave two signals, want one")
	default:
	}
	select {
	case <-two:
		t.Fatal("run 2's subscriber was signalled for run 1")
	default:
	}
}

func TestBusCancelStopsSignals(t *testing.T) {
	var b Bus
	ch, cancel := b.Subscribe(7)
	cancel()
	cancel() // twice is harmless
	b.Publish(7)
	select {
	case <-ch:
		t.Fatal("a cancelled subscription got a signal")
	default:
	}
	if len(b.subs) != 0 {
		t.Errorf("cancelled subscriptions left %d runs behind", len(b.subs))
	}
}

func TestBusConcurrentUse(t *testing.T) {
	var b Bus
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 100 {
				ch, cancel := b.Subscribe(int64(i % 3))
				b.Publish(int64(i % 3))
				<-ch
				cancel()
			}
		})
	}
	wg.Wait()
}
