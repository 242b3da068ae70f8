package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
)

var (
	_ Store   = (*recorder)(nil)
	_ Trigger = (*recorder)(nil)
)

// fired is one TriggerScheduled call.
type fired struct {
	dag string
	at  time.Time
}

func (f fired) String() string { return f.dag + "@" + f.at.UTC().Format(time.RFC3339) }

// recorder is an in-memory Store and a Trigger that records its calls. It
// checks, at every trigger, that the logical time is already on record as
// scheduled: persistence before trigger.
type recorder struct {
	mu         sync.Mutex
	states     map[string]State
	saves      []fired // dag and the LastScheduledAt saved
	fires      []fired
	violations []string
	failFires  int   // fail this many triggers
	saveErr    error // fail every save with it
	changed    chan struct{}
}

func newRecorder() *recorder {
	return &recorder{states: make(map[string]State), changed: make(chan struct{}, 1)}
}

func (r *recorder) ScheduleState(_ context.Context, name string) (State, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.states[name]
	return st, ok, nil
}

func (r *recorder) SaveScheduleState(_ context.Context, name string, st State) error {
	r.mu.Lock()
	defer r.poke()
	defer r.mu.Unlock()
	if r.saveErr != nil {
		return r.saveErr
	}
	r.states[name] = st
	r.saves = append(r.saves, fired{name, st.LastScheduledAt})
	return nil
}

func (r *recorder) TriggerScheduled(_ context.Context, d *dag.DAG, at time.Time) error {
	r.mu.Lock()
	defer r.poke()
	defer r.mu.Unlock()
	if last := r.states[d.Name].LastScheduledAt; last.Before(at) {
		r.violations = append(r.violations, fmt.Sprintf("%s@%v triggered while the store says %v", d.Name, at, last))
	}
	r.fires = append(r.fires, fired{d.Name, at})
	if r.failFires > 0 {
		r.failFires--
		return errors.New("engine unavailable")
	}
	return nil
}

func (r *recorder) poke() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// waitFor blocks until cond holds, checked under r.mu after every call.
func (r *recorder) waitFor(t *testing.T, what string, cond func(r *recorder) bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		ok := cond(r)
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// waitSaved waits until the state of name records last as scheduled.
func (r *recorder) waitSaved(t *testing.T, name string, last time.Time) {
	t.Helper()
	r.waitFor(t, fmt.Sprintf("%s saved with LastScheduledAt %v", name, last), func(r *recorder) bool {
		return r.states[name].LastScheduledAt.Equal(last)
	})
}

func (r *recorder) firesSnapshot() []fired {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]fired(nil), r.fires...)
}

func (r *recorder) state(name string) State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.states[name]
}

func (r *recorder) checkNoViolations(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range r.violations {
		t.Error("trigger before persist: " + v)
	}
}

// wantFires compares the triggers so far with want ("name@RFC3339").
func (r *recorder) wantFires(t *testing.T, want ...string) {
	t.Helper()
	got := r.firesSnapshot()
	if len(got) != len(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Fatalf("fired %v, want %v", got, want)
		}
	}
}

// harness runs one Scheduler over a recorder and a fake clock.
type harness struct {
	t     *testing.T
	clock *clock.Fake
	rec   *recorder
	s     *Scheduler
	stop  func()
}

// start runs a new Scheduler with dags and waits until it has loaded them
// and armed its timer.
func start(t *testing.T, fc *clock.Fake, rec *recorder, dags ...*dag.DAG) *harness {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := New(fc, rec, rec, logger)
	s.Set(dags)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	h := &harness{t: t, clock: fc, rec: rec, s: s}
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		h.stop()
		rec.checkNoViolations(t)
	})
	if len(dags) > 0 {
		fc.BlockUntil(1) // the first pass is over, runs included
		rec.waitFor(t, "every DAG loaded", func(*recorder) bool { return h.loaded() })
	}
	return h
}

// loaded reports whether every scheduled DAG has been brought up to date.
func (h *harness) loaded() bool {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	for _, e := range h.s.entries {
		if !e.loaded || e.changed {
			return false
		}
	}
	return true
}

// advanceTo moves the clock to at once the loop waits on its timer, and
// waits until the loop has handled it and armed its timer again.
func (h *harness) advanceTo(at time.Time) {
	h.t.Helper()
	h.clock.BlockUntil(1)
	h.clock.Set(at)
	h.clock.BlockUntil(1)
}

func daily(name, spec, tz string, policy dag.CatchupPolicy) *dag.DAG {
	return &dag.DAG{Name: name, Schedule: spec, Timezone: tz, Catchup: policy}
}
