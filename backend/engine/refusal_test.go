package engine_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
)

// Every refusal a caller can understand is a model error of the right kind
// whose message says why, so the faces answer 404/409/422/503 with it
// instead of "internal error".
func TestRefusalsHaveAKindAndAReason(t *testing.T) {
	r := newRig(t, nil)
	ctx := t.Context()
	ended := r.trigger(t, "name: done\ntasks:\n  - {id: a, op: step}\n", nil)
	r.wait(t, ended.ID)
	r.step.gate("hold")
	busy := "name: busy\ntasks:\n  - {id: hold, op: step}\n  - {id: after, op: step, needs: [hold]}\n"
	running := r.trigger(t, busy, nil)
	queued := r.trigger(t, busy, nil)
	eventually(t, "hold running", func() bool {
		r.step.mu.Lock()
		defer r.step.mu.Unlock()
		return r.step.running["hold"]
	})
	cyclic := &dag.DAG{Name: "loop", Tasks: []dag.Task{
		{ID: "a", Op: "noop", Needs: []string{"b"}}, {ID: "b", Op: "noop", Needs: []string{"a"}},
	}}
	required := load(t, "name: p\nparams:\n  n: {type: int, required: true}\ntasks:\n  - {id: a, op: noop}\n")

	tests := []struct {
		name string
		do   func() error
		kind error
		msg  string // the whole message, or with a trailing "…" its start
	}{
		{
			"cancel an ended run", func() error { return r.engine.Cancel(ctx, ended.ID) },
			model.ErrConflict, "run 1 already ended: success",
		},
		{
			"retry a run with no failed task", func() error { return r.engine.Retry(ctx, ended.ID, true) },
			model.ErrConflict, "run 1 has no failed, upstream_failed or cancelled task to retry",
		},
		{
			"retry a queued run", func() error { return r.engine.Retry(ctx, queued.ID, false) },
			model.ErrConflict, "run 3 is queued behind other runs of DAG busy and has not started, so there is nothing to retry…",
		},
		{
			"clear a task of a queued run", func() error { return r.engine.Clear(ctx, queued.ID, []string{"hold"}, false) },
			model.ErrConflict, "run 3 is queued behind other runs of DAG busy and has not started, so there is nothing to clear…",
		},
		{
			"mark a task of a queued run", func() error { return r.engine.Mark(ctx, queued.ID, "hold", model.TaskSuccess) },
			model.ErrConflict, "run 3 is queued behind other runs of DAG busy and has not started, so there is nothing to mark…",
		},
		{
			"clear a running task", func() error { return r.engine.Clear(ctx, running.ID, []string{"hold"}, false) },
			model.ErrConflict, "task hold of run 2 is running; wait for it to end, or cancel the run",
		},
		{
			"mark a running task", func() error { return r.engine.Mark(ctx, running.ID, "hold", model.TaskFailed) },
			model.ErrConflict, "task hold of run 2 is running; wait for it to end, or cancel the run",
		},
		{"cancel an unknown run", func() error { return r.engine.Cancel(ctx, 12) }, model.ErrNotFound, "run 12"},
		{"retry an unknown run", func() error { return r.engine.Retry(ctx, 12, true) }, model.ErrNotFound, "run 12"},
		{"clear in an unknown run", func() error { return r.engine.Clear(ctx, 12, []string{"a"}, false) }, model.ErrNotFound, "run 12"},
		{"mark in an unknown run", func() error { return r.engine.Mark(ctx, 12, "a", model.TaskSuccess) }, model.ErrNotFound, "run 12"},
		{"wait for an unknown run", func() error { _, err := r.engine.Wait(ctx, 12); return err }, model.ErrNotFound, "run 12"},
		{
			"clear an unknown task", func() error { return r.engine.Clear(ctx, ended.ID, []string{"nope"}, false) },
			model.ErrNotFound, `run 1 has no task "nope"`,
		},
		{
			"mark an unknown task", func() error { return r.engine.Mark(ctx, running.ID, "nope", model.TaskSuccess) },
			model.ErrNotFound, `run 2 has no task "nope"`,
		},
		{
			"mark with a bad state", func() error { return r.engine.Mark(ctx, ended.ID, "a", model.TaskRunning) },
			model.ErrInvalid, `a task can be marked success or failed, not "running"`,
		},
		{"trigger with bad params", func() error {
			_, err := r.engine.Trigger(ctx, engine.TriggerRequest{DAG: required, Source: []byte("x"), Trigger: model.TriggerManual})
			return err
		}, model.ErrInvalid, "param n is required: pass --param n=VALUE"},
		{"trigger a cyclic graph", func() error {
			_, err := r.engine.Trigger(ctx, engine.TriggerRequest{DAG: cyclic, Source: []byte("x"), Trigger: model.TriggerManual})
			return err
		}, model.ErrInvalid, "DAG loop: …"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRefusal(t, tt.do(), tt.kind, tt.msg)
		})
	}

	t.Run("the engine has stopped", func(t *testing.T) {
		r.stop(t)
		checkRefusal(t, r.engine.Cancel(ctx, running.ID), model.ErrUnavailable, "the workflow engine has stopped")
		_, err := r.engine.Trigger(ctx, engine.TriggerRequest{DAG: load(t, busy), Source: []byte(busy), Trigger: model.TriggerManual})
		checkRefusal(t, err, model.ErrUnavailable, "the workflow engine has stopped")
	})
}

func checkRefusal(t *testing.T, err error, kind error, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v %q", kind, msg)
	}
	if !errors.Is(err, kind) {
		t.Errorf("error %q is not %v", err, kind)
	}
	if prefix, ok := strings.CutSuffix(msg, "…"); ok {
		if !strings.HasPrefix(err.Error(), prefix) {
			t.Errorf("message = %q, want it to start %q", err, prefix)
		}
	} else if err.Error() != msg {
		t.Errorf("message = %q, want %q", err, msg)
	}
}
