package engine_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/engine"
)

// closer is an Executor that records Close; it runs nothing.
type closer struct {
	mu     sync.Mutex
	closed int
}

func (c *closer) Submit(engine.Attempt) {}
func (c *closer) Cancel(int64, string)  {}
func (c *closer) times() int            { c.mu.Lock(); defer c.mu.Unlock(); return c.closed }
func (c *closer) Close() error          { c.mu.Lock(); c.closed++; c.mu.Unlock(); return nil }

func TestEngineClosesItsExecutorWhenRunReturns(t *testing.T) {
	r := newRig(t, nil) // a real store for the engine to recover from
	r.stop(t)
	def, gpu := &closer{}, &closer{}
	e := engine.New(engine.Options{
		Store: r.store,
		NewExecutor: func(reports chan<- engine.Report) engine.Executor {
			return engine.NewRouter(reports, engine.RouterOptions{
				Default: def,
				Queues:  map[string]func(chan<- engine.Report) engine.Executor{"gpu": func(chan<- engine.Report) engine.Executor { return gpu }},
			})
		},
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	if err := e.Flush(ctx); err != nil { // the loop is up
		t.Fatal(err)
	}
	if def.times() != 0 || gpu.times() != 0 {
		t.Fatalf("closed while running: default %d, gpu %d times", def.times(), gpu.times())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return")
	}
	if def.times() != 1 || gpu.times() != 1 {
		t.Errorf("after Run: default closed %d, gpu %d times; want each once", def.times(), gpu.times())
	}
}
