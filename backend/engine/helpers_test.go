package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/engine/local"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/store"
)

// step is a test op whose behaviour each test scripts per task: fail the
// first n tries, block until a gate opens, return with.out as output v.
type step struct {
	mu        sync.Mutex
	failFirst map[string]int
	gates     map[string]chan struct{}
	running   map[string]bool
	maxAtOnce int
	tries     map[string]int
}

func newStep() *step {
	return &step{failFirst: map[string]int{}, gates: map[string]chan struct{}{}, running: map[string]bool{}, tries: map[string]int{}}
}

func (s *step) Spec() dag.OpSpec {
	return dag.OpSpec{Name: "step", Args: []dag.ArgSpec{{Name: "out", Type: dag.ArgString}}, Outputs: []string{"v"}}
}

func (s *step) Run(ctx context.Context, t *ops.Task) (map[string]string, error) {
	s.mu.Lock()
	s.tries[t.TaskID]++
	s.running[t.TaskID] = true
	s.maxAtOnce = max(s.maxAtOnce, len(s.running))
	gate, fail := s.gates[t.TaskID], t.Try <= s.failFirst[t.TaskID]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, t.TaskID)
		s.mu.Unlock()
	}()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	if fail {
		return nil, fmt.Errorf("scripted failure on try %d", t.Try)
	}
	out, _ := t.Args["out"].(string)
	return map[string]string{"v": out}, nil
}

func (s *step) gate(task string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	s.gates[task] = ch
	return ch
}

// rig is an engine over a real SQLite store with a fake clock.
type rig struct {
	engine *engine.Engine
	store  *store.Store
	clock  *clock.Fake
	step   *step
	cancel context.CancelFunc
	done   chan error
	path   string
	// onCommit is passed to the engine as Options.OnCommit.
	onCommit func(runIDs []int64)
	// executor, if set, builds the engine's executor around the local
	// one, given a function building another local executor.
	executor func(reports chan<- engine.Report, local engine.Executor, newLocal func(chan<- engine.Report) *local.Executor) engine.Executor
	logs     tasklog.Dir // the task logs; a temp dir unless set before start
}

func newRig(t *testing.T, pools map[string]int) *rig {
	t.Helper()
	return newRigWith(t, pools, nil)
}

// newRigWith is newRig with the executor built by exec (see rig.executor).
func newRigWith(t *testing.T, pools map[string]int, exec func(reports chan<- engine.Report, local engine.Executor, newLocal func(chan<- engine.Report) *local.Executor) engine.Executor) *rig {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meshflow.db")
	st, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &rig{store: st, clock: clock.NewFake(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)), step: newStep(), path: path, executor: exec}
	r.start(t, pools)
	return r
}

func (r *rig) start(t *testing.T, pools map[string]int) {
	t.Helper()
	reg := ops.NewRegistry(r.step, ops.Noop{}, ops.Shell{})
	if r.logs == "" {
		r.logs = tasklog.Dir(t.TempDir())
	}
	logs := r.logs
	var execs []*local.Executor
	newLocal := func(reports chan<- engine.Report) *local.Executor {
		ex := local.New(local.Options{Workers: 8, Ops: reg, Logs: logs, Reports: reports, Clock: r.clock, OutputLimit: 4096})
		execs = append(execs, ex)
		return ex
	}
	r.engine = engine.New(engine.Options{
		Store: r.store, Clock: r.clock, Parallelism: 8, Pools: pools, OnCommit: r.onCommit,
		NewExecutor: func(reports chan<- engine.Report) engine.Executor {
			ex := newLocal(reports)
			if r.executor != nil {
				return r.executor(reports, ex, newLocal)
			}
			return ex
		},
	})
	ctx, cancel := context.WithCancel(t.Context())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.engine.Run(ctx) }()
	t.Cleanup(func() {
		r.stop(t) // closes the engine's executor, but not one wrapped in a test's
		for _, ex := range execs {
			if err := ex.Close(); err != nil {
				t.Error(err)
			}
		}
	})
}

func (r *rig) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	if err := <-r.done; err != nil {
		t.Errorf("engine: %v", err)
	}
	r.cancel = nil
}

func load(t *testing.T, src string) *dag.DAG {
	t.Helper()
	d, err := dag.Load("test.yaml", []byte(src), ops.NewRegistry(newStep(), ops.Noop{}, ops.Shell{}))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (r *rig) trigger(t *testing.T, src string, params map[string]any) model.Run {
	t.Helper()
	run, err := r.engine.Trigger(t.Context(), engine.TriggerRequest{DAG: load(t, src), Source: []byte(src), Params: params, Trigger: model.TriggerManual})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func (r *rig) wait(t *testing.T, id int64) model.Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	run, err := r.engine.Wait(ctx, id)
	if err != nil {
		t.Fatalf("wait for run %d: %v", id, err)
	}
	return run
}

// tasks returns the stored task rows by id.
func (r *rig) tasks(t *testing.T, id int64) map[string]model.TaskRun {
	t.Helper()
	rows, err := r.store.TaskRuns(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]model.TaskRun{}
	for _, row := range rows {
		out[row.TaskID] = row
	}
	return out
}

// states is the task states of a run as "id=state" for compact assertions.
func (r *rig) states(t *testing.T, id int64) map[string]model.TaskState {
	t.Helper()
	out := map[string]model.TaskState{}
	for k, v := range r.tasks(t, id) {
		out[k] = v.State
	}
	return out
}

// eventually polls cond, for states reached through the executor.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
