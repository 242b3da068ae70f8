package workflow_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/engine/local"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/store"
)

// system is a Service over the real engine, store and DAG folder in a
// temp dir, wired as app wires them (without a scheduler loop).
type system struct {
	svc    *workflow.Service
	store  *store.Store
	folder *dagdir.Dir
	dags   string
}

func newSystem(t *testing.T, files map[string]string) *system {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dags := filepath.Join(dir, "dags")
	if err := os.Mkdir(dags, 0o700); err != nil {
		t.Fatal(err)
	}
	s := &system{store: st, dags: dags}
	for name, src := range files {
		s.write(t, name, src)
	}
	s.svc = workflow.New(workflow.Options{Store: st})
	reg := ops.NewRegistry(ops.Shell{}, ops.Noop{}, ops.TriggerDAG{Runs: s.svc})
	s.folder = dagdir.New(dags, reg)
	if _, err := s.folder.Load(); err != nil {
		t.Fatal(err)
	}
	eng := engine.New(engine.Options{
		Store: st,
		Pools: map[string]int{"one": 1},
		NewExecutor: func(reports chan<- engine.Report) engine.Executor {
			return local.New(local.Options{Workers: 4, Ops: reg, Logs: tasklog.Dir(filepath.Join(dir, "logs")), Reports: reports})
		},
	})
	s.svc.Connect(s.folder, eng, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return s
}

func (s *system) write(t *testing.T, name, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.dags, name), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (s *system) runToEnd(t *testing.T, name string, params map[string]any) model.Run {
	t.Helper()
	r, err := s.svc.Trigger(t.Context(), name, params, model.TriggerCLI)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r, err = s.svc.Wait(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const chain = `name: chain
params:
  n: {type: int, default: 1}
tasks:
  - id: b
    op: noop
    needs: [a]
  - id: a
    op: noop
`

func TestRunDetailFollowsTheRunsOwnDefinition(t *testing.T) {
	s := newSystem(t, map[string]string{"chain.yaml": chain})
	first := s.runToEnd(t, "chain", nil)

	// The file changes: c now runs first, and b is gone.
	s.write(t, "chain.yaml", "name: chain\ntasks:\n  - id: a\n    op: noop\n    needs: [c]\n  - id: c\n    op: noop\n")
	if _, err := s.folder.Load(); err != nil {
		t.Fatal(err)
	}
	second := s.runToEnd(t, "chain", nil)

	for _, tt := range []struct {
		run  model.Run
		want string
	}{{first, "a b"}, {second, "c a"}} {
		d, err := s.svc.RunDetail(t.Context(), tt.run.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, task := range d.Tasks {
			got = append(got, task.TaskID)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("run %d tasks in order %v, want %s", tt.run.ID, got, tt.want)
		}
		def, err := s.svc.Definition(t.Context(), tt.run)
		if err != nil {
			t.Fatal(err)
		}
		if again, _ := s.svc.Definition(t.Context(), tt.run); again.Plan != def.Plan {
			t.Error("a run's definition is parsed again on every call; it is stored by hash and never changes")
		}
	}
}

func TestRefusalsAreKindedAndSayWhy(t *testing.T) {
	s := newSystem(t, map[string]string{"chain.yaml": chain})
	ended := s.runToEnd(t, "chain", nil)
	if ended.State != model.RunSuccess {
		t.Fatalf("run = %s (%s)", ended.State, ended.Error)
	}
	ctx := t.Context()
	_, badParam := s.svc.Trigger(ctx, "chain", map[string]any{"n": "many"}, model.TriggerCLI)
	_, unknownParam := s.svc.Trigger(ctx, "chain", map[string]any{"m": "1"}, model.TriggerCLI)
	_, unknownDAG := s.svc.Trigger(ctx, "nope", nil, model.TriggerCLI)
	_, unknownRun := s.svc.RunDetail(ctx, 99)
	tests := []struct {
		name string
		err  error
		kind error
		says string
	}{
		{"bad param value", badParam, model.ErrInvalid, "param n: many is not a whole number"},
		{"undeclared param", unknownParam, model.ErrInvalid, "param m is not declared"},
		{"unknown DAG", unknownDAG, model.ErrNotFound, `"nope"`},
		{"unknown run", unknownRun, model.ErrNotFound, "run 99"},
		{"cancel an ended run", s.svc.Cancel(ctx, ended.ID), model.ErrConflict, "already ended"},
		{"retry a run with no failed task", s.svc.Retry(ctx, ended.ID, true), model.ErrConflict, "no failed, upstream_failed or cancelled task"},
		{"clear an unknown task", s.svc.ClearTask(ctx, ended.ID, "zz", false), model.ErrNotFound, `"zz"`},
		{"mark with a state one cannot mark", s.svc.MarkTask(ctx, ended.ID, "a", model.TaskSkipped), model.ErrInvalid, "success or failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.kind) {
				t.Errorf("error %v is not %v", tt.err, tt.kind)
			}
			if tt.err == nil || !strings.Contains(tt.err.Error(), tt.says) {
				t.Errorf("error %q does not say %q", tt.err, tt.says)
			}
		})
	}
}

// A scheduled run that cannot start is a failed run with the reason, not
// just a line in the server's log.
func TestScheduledRunThatCannotStartIsAFailedRun(t *testing.T) {
	s := newSystem(t, map[string]string{"nightly.yaml": `name: nightly
schedule: "0 2 * * *"
vars:
  token: '{{ secret "backup-token" }}'
tasks:
  - {id: a, op: noop}
`})
	entry, err := s.folder.Get("nightly")
	if err != nil {
		t.Fatal(err)
	}
	logical := time.Date(2026, 12, 2, 2, 0, 0, 0, time.UTC)
	if err := s.svc.TriggerScheduled(t.Context(), entry.DAG, logical); err != nil {
		t.Fatalf("TriggerScheduled = %v, want the failure recorded as a run", err)
	}
	runs, err := s.store.Runs(t.Context(), model.RunFilter{DAG: "nightly"})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].State != model.RunFailed || !strings.Contains(runs[0].Error, "vars.token") ||
		!strings.Contains(runs[0].Error, "backup-token") || !runs[0].LogicalDate.Equal(logical) {
		t.Fatalf("runs = %+v, want one failed run for 02:00 saying vars.token needs the secret backup-token", runs)
	}
	// The schedule firing again for the same time makes no second one.
	if err := s.svc.TriggerScheduled(t.Context(), entry.DAG, logical); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.store.Runs(t.Context(), model.RunFilter{DAG: "nightly"}); len(again) != 1 {
		t.Errorf("after a second tick for the same time: %d runs, want 1", len(again))
	}
}

// A DAG that triggers itself and waits, through a name validation cannot
// see, fails the waiting task with why instead of waiting forever: its
// child is queued behind it by max_active_runs.
func TestSelfTriggerWithWaitFailsInsteadOfDeadlocking(t *testing.T) {
	s := newSystem(t, map[string]string{"loop.yaml": `name: loop
max_active_runs: 1
params:
  target: {default: loop}
tasks:
  - id: again
    op: trigger_dag
    with: {dag: '{{ .params.target }}', wait: true, params: {target: none}}
`})
	parent := s.runToEnd(t, "loop", nil)
	if parent.State != model.RunFailed {
		t.Fatalf("parent run = %s, want failed", parent.State)
	}
	rows, err := s.store.TaskRuns(t.Context(), parent.ID)
	if err != nil || len(rows) != 1 {
		t.Fatal(rows, err)
	}
	if msg := rows[0].Error; !strings.Contains(msg, "can never start") || !strings.Contains(msg, "max_active_runs 1") {
		t.Errorf("again's error = %q, want it to say the child can never start behind its parent", msg)
	}
}

func TestAnInvalidFileIsReportedAsInvalidNotMissing(t *testing.T) {
	s := newSystem(t, map[string]string{"hello.yaml": "name: hello\ntasks:\n  - id: a\n    op: nosuchop\n"})
	for name, err := range map[string]error{
		"trigger": func() error { _, err := s.svc.Trigger(t.Context(), "hello", nil, model.TriggerCLI); return err }(),
		"pause":   s.svc.SetPaused(t.Context(), "hello", true),
	} {
		t.Run(name, func(t *testing.T) {
			if !errors.Is(err, model.ErrInvalid) || errors.Is(err, model.ErrNotFound) {
				t.Fatalf("error %v: want invalid, not not-found", err)
			}
			for _, want := range []string{"DAG hello is invalid: ", "hello.yaml:4:", "fix the file"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}
