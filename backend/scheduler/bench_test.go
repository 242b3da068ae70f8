package scheduler

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
)

var (
	_ Store   = (*memStore)(nil)
	_ Trigger = (*countTrigger)(nil)
)

// memStore is the leanest Store, so that the benchmark measures the
// scheduler.
type memStore struct {
	mu     sync.Mutex
	states map[string]State
}

func (m *memStore) ScheduleState(_ context.Context, name string) (State, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[name]
	return st, ok, nil
}

func (m *memStore) SaveScheduleState(_ context.Context, name string, st State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[name] = st
	return nil
}

type countTrigger struct{ n int }

func (c *countTrigger) TriggerScheduled(context.Context, *dag.DAG, time.Time) error {
	c.n++
	return nil
}

// BenchmarkSchedulerTick1000DAGs measures one due minute of 1,000 minutely
// DAGs: working out each next run, saving each state and asking for each run.
func BenchmarkSchedulerTick1000DAGs(b *testing.B) {
	const n = 1000
	fc := clock.NewFake(utc("2026-01-10T05:00:30Z"))
	trig := &countTrigger{}
	s := New(fc, &memStore{states: make(map[string]State)}, trig, nil)
	dags := make([]*dag.DAG, n)
	for i := range dags {
		dags[i] = &dag.DAG{Name: fmt.Sprintf("dag-%04d", i), Schedule: "* * * * *", Timezone: "Europe/Berlin"}
	}
	s.Set(dags)
	ctx := b.Context()
	s.step(ctx) // load them all
	ticks := 0
	for b.Loop() {
		fc.Advance(time.Minute)
		s.step(ctx)
		ticks++
	}
	if trig.n != ticks*n {
		b.Fatalf("%d runs triggered in %d ticks, want %d", trig.n, ticks, ticks*n)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(ticks*n), "ns/dag")
}
