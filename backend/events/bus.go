// Package events tells whoever watches a run that it has changed. It is an
// in-process, coalescing signal: a watcher learns "run N changed since you
// last looked" and reads the run again, so no change is ever queued twice.
package events

import "sync"

// Bus delivers change signals for runs to their subscribers. The zero value
// is ready to use, and its methods are safe for concurrent use.
type Bus struct {
	mu   sync.Mutex
	subs map[int64]map[*chan struct{}]struct{}
}

// Publish signals every subscriber of runID. It never blocks: a subscriber
// that has not yet read the previous signal gets one, not two.
func (b *Bus) Publish(runID int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[runID] {
		select {
		case *ch <- struct{}{}:
		default:
		}
	}
}

// Subscribe returns a channel that receives a signal after each change of
// runID, and a cancel func that stops the signals; call it when done.
func (b *Bus) Subscribe(runID int64) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.subs == nil {
		b.subs = map[int64]map[*chan struct{}]struct{}{}
	}
	if b.subs[runID] == nil {
		b.subs[runID] = map[*chan struct{}]struct{}{}
	}
	b.subs[runID][&ch] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			delete(b.subs[runID], &ch)
			if len(b.subs[runID]) == 0 {
				delete(b.subs, runID)
			}
		})
	}
}
