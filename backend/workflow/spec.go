package workflow

import (
	"context"
	"fmt"
	"sync"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
)

// specCacheSize is how many run definitions are kept parsed. Live pages ask
// for a run's definition on every change and heartbeat; one DAG version is
// shared by all its runs, so a few hundred cover any screen.
const specCacheSize = 256

// Definition is the DAG definition a run executes, parsed and planned.
type Definition struct {
	DAG  *dag.DAG
	Plan *dag.Plan
}

// Definition returns the definition run r was triggered with — not the
// file as it is now, which may have changed since. Definitions are stored by
// content hash, so a parsed one never goes stale and is parsed once.
func (s *Service) Definition(ctx context.Context, r model.Run) (Definition, error) {
	if def, ok := s.specs.get(r.SpecHash); ok {
		return def, nil
	}
	src, err := s.store.Spec(ctx, r.SpecHash)
	if err != nil {
		return Definition{}, fmt.Errorf("definition of run %d: %w", r.ID, err)
	}
	d, err := dag.Parse(r.DAG+".yaml", src)
	if err != nil {
		return Definition{}, fmt.Errorf("definition of run %d: %w", r.ID, err)
	}
	p, err := dag.NewPlan(d)
	if err != nil {
		return Definition{}, fmt.Errorf("definition of run %d: %w", r.ID, err)
	}
	def := Definition{DAG: d, Plan: p}
	s.specs.put(r.SpecHash, def)
	return def, nil
}

// specCache keeps parsed definitions by hash, dropping the least recently
// added when full (they are cheap to parse again; the bound is what matters).
type specCache struct {
	mu    sync.Mutex
	max   int
	byKey map[string]Definition
	order []string
}

func newSpecCache(n int) *specCache { return &specCache{max: n, byKey: map[string]Definition{}} }

func (c *specCache) get(k string) (Definition, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, ok := c.byKey[k]
	return d, ok
}

func (c *specCache) put(k string, d Definition) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byKey[k]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.byKey, c.order[0])
		c.order = c.order[1:]
	}
	c.byKey[k] = d
	c.order = append(c.order, k)
}
