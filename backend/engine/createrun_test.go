package engine_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/engine/local"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/store"
)

// gatedStore is a real store whose run inserts and recovery query can be
// held, as a slow or busy disk would hold them.
type gatedStore struct {
	*store.Store
	holdCreate  chan struct{} // if set, CreateRun waits for it to close
	createBegun chan struct{} // receives once per CreateRun called
	holdActive  chan struct{} // if set, ActiveRuns waits for it to close
}

func (s *gatedStore) CreateRun(ctx context.Context, r *model.Run, spec []byte, tasks []model.TaskRun) error {
	select {
	case s.createBegun <- struct{}{}:
	default:
	}
	if s.holdCreate != nil {
		<-s.holdCreate
	}
	return s.Store.CreateRun(ctx, r, spec, tasks)
}

func (s *gatedStore) ActiveRuns(ctx context.Context) ([]model.Run, error) {
	if s.holdActive != nil {
		<-s.holdActive
	}
	return s.Store.ActiveRuns(ctx)
}

// startGated runs an engine over st with the step op; the engine stops at
// the end of the test.
func startGated(t *testing.T, st *gatedStore, step *step) *engine.Engine {
	t.Helper()
	reg := ops.NewRegistry(step, ops.Noop{})
	fake := clock.NewFake(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	e := engine.New(engine.Options{
		Store: st, Clock: fake, Parallelism: 4,
		NewExecutor: func(reports chan<- engine.Report) engine.Executor {
			return local.New(local.Options{Workers: 4, Ops: reg, Logs: tasklog.Dir(t.TempDir()), Reports: reports, Clock: fake})
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("engine: %v", err)
		}
	})
	return e
}

func openGated(t *testing.T) *gatedStore {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &gatedStore{Store: st, createBegun: make(chan struct{}, 1)}
}

const oneStep = `
name: one
max_active_runs: 4
tasks:
  - {id: a, op: step}
`

// A run insert that hangs on the disk must not hold up the runs already
// in flight: the engine's loop does not wait for it.
func TestASlowRunInsertDoesNotStallRunsInFlight(t *testing.T) {
	st := openGated(t)
	s := newStep()
	gate := s.gate("a")
	e := startGated(t, st, s)
	first, err := e.Trigger(t.Context(), engine.TriggerRequest{DAG: load(t, oneStep), Source: []byte(oneStep), Trigger: model.TriggerManual})
	if err != nil {
		t.Fatal(err)
	}

	st.holdCreate = make(chan struct{})
	<-st.createBegun // the first trigger's
	second := make(chan error, 1)
	go func() {
		_, err := e.Trigger(context.Background(), engine.TriggerRequest{DAG: load(t, oneStep), Source: []byte(oneStep), Trigger: model.TriggerManual})
		second <- err
	}()
	<-st.createBegun // the second insert is under way, and held
	close(gate)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	got, err := e.Wait(ctx, first.ID)
	close(st.holdCreate)
	if err != nil {
		t.Fatalf("run %d did not finish while another run was being recorded: %v", first.ID, err)
	}
	if got.State != model.RunSuccess {
		t.Fatalf("run %d = %s (%s)", first.ID, got.State, got.Error)
	}
	if err := <-second; err != nil {
		t.Fatalf("second trigger: %v", err)
	}
}

// A trigger that comes while the engine is still taking over the runs of
// the previous process records its run after that, so the run is started
// once: recovery must not find it too.
func TestATriggerDuringRecoveryRunsOnce(t *testing.T) {
	const serial = `
name: serial
max_active_runs: 1
tasks:
  - {id: a, op: step}
`
	st := openGated(t)
	st.holdActive = make(chan struct{})
	s := newStep()
	e := startGated(t, st, s)
	trigger := func() model.Run {
		r, err := e.Trigger(context.Background(), engine.TriggerRequest{DAG: load(t, serial), Source: []byte(serial), Trigger: model.TriggerManual})
		if err != nil {
			t.Error(err)
		}
		return r
	}

	first := make(chan model.Run, 1)
	go func() { first <- trigger() }()
	select {
	case <-st.createBegun: // recorded before recovery read the store
	case <-time.After(200 * time.Millisecond):
	}
	close(st.holdActive)
	<-first
	// Runs of serial go one at a time, so once a second run has ended,
	// any second start of the first would have run before it.
	second := trigger()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	got, err := e.Wait(ctx, second.ID)
	if err != nil || got.State != model.RunSuccess {
		t.Fatalf("run %d = %s (%s), %v", second.ID, got.State, got.Error, err)
	}
	s.mu.Lock()
	tries := s.tries["a"]
	s.mu.Unlock()
	if tries != 2 {
		t.Errorf("task a ran %d times in two runs, want twice", tries)
	}
}
