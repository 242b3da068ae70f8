package engine_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/engine/local"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
)

// recorder is an Executor that notes what it is asked and passes it on.
type recorder struct {
	engine.Executor
	mu        sync.Mutex
	submitted []string
	cancelled []string
}

func (r *recorder) Submit(a engine.Attempt) {
	r.mu.Lock()
	r.submitted = append(r.submitted, a.TaskID)
	r.mu.Unlock()
	r.Executor.Submit(a)
}

func (r *recorder) Cancel(runID int64, taskID string) {
	r.mu.Lock()
	r.cancelled = append(r.cancelled, taskID)
	r.mu.Unlock()
	r.Executor.Cancel(runID, taskID)
}

func (r *recorder) seen() (submitted, cancelled []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.submitted...), append([]string(nil), r.cancelled...)
}

// routedRig is a rig whose executor is a Router with a recorded default
// and a recorded executor for queue gpu.
func routedRig(t *testing.T) (r *rig, def, gpu *recorder) {
	t.Helper()
	return routedRigOps(t, nil)
}

// routedRigOps is routedRig with the Router told of ops by catalog.
func routedRigOps(t *testing.T, catalog dag.Catalog) (r *rig, def, gpu *recorder) {
	t.Helper()
	def, gpu = &recorder{}, &recorder{}
	r = newRigWith(t, nil, func(reports chan<- engine.Report, ex engine.Executor, newLocal func(chan<- engine.Report) *local.Executor) engine.Executor {
		def.Executor = ex
		return engine.NewRouter(reports, engine.RouterOptions{
			Default: def, Ops: catalog,
			Queues: map[string]func(chan<- engine.Report) engine.Executor{
				"gpu": func(reports chan<- engine.Report) engine.Executor {
					gpu.Executor = newLocal(reports)
					return gpu
				},
			},
		})
	})
	return r, def, gpu
}

func TestRouterSendsEachAttemptToItsQueue(t *testing.T) {
	r, def, gpu := routedRig(t)
	run := r.trigger(t, `
name: routed
tasks:
  - {id: here, op: step, with: {out: x}}
  - {id: there, op: step, queue: gpu, needs: [here], with: {out: "{{ .tasks.here.outputs.v }}y"}}
`, nil)
	if got := r.wait(t, run.ID); got.State != model.RunSuccess {
		t.Fatalf("run = %s (%s)", got.State, got.Error)
	}
	if v := r.tasks(t, run.ID)["there"].Outputs["v"]; v != "xy" {
		t.Errorf("there's output = %q, want xy", v)
	}
	if got, _ := def.seen(); strings.Join(got, ",") != "here" {
		t.Errorf("default executor got %v, want [here]", got)
	}
	if got, _ := gpu.seen(); strings.Join(got, ",") != "there" {
		t.Errorf("gpu executor got %v, want [there]", got)
	}
}

func TestRouterFailsAnAttemptForAQueueNobodyServes(t *testing.T) {
	r, _, _ := routedRig(t)
	run := r.trigger(t, `
name: lost
tasks:
  - {id: t, op: step, queue: tpu}
`, nil)
	got := r.wait(t, run.ID)
	if got.State != model.RunFailed {
		t.Fatalf("run = %s, want failed", got.State)
	}
	if e := r.tasks(t, run.ID)["t"].Error; !strings.Contains(e, `no worker serves queue "tpu"`) {
		t.Errorf("task error = %q, want it to name the queue", e)
	}
}

func TestRouterCancelsOnTheExecutorThatGotTheAttempt(t *testing.T) {
	r, def, gpu := routedRig(t)
	r.step.gate("slow")
	run := r.trigger(t, `
name: cancel-routed
tasks:
  - {id: slow, op: step, queue: gpu}
`, nil)
	eventually(t, "slow running", func() bool { return r.tasks(t, run.ID)["slow"].State == model.TaskRunning })
	if err := r.engine.Cancel(t.Context(), run.ID); err != nil {
		t.Fatal(err)
	}
	if got := r.wait(t, run.ID); got.State != model.RunCancelled {
		t.Fatalf("run = %s, want cancelled", got.State)
	}
	if _, got := gpu.seen(); strings.Join(got, ",") != "slow" {
		t.Errorf("gpu executor cancelled %v, want [slow]", got)
	}
	if _, got := def.seen(); len(got) != 0 {
		t.Errorf("default executor cancelled %v, want none", got)
	}
}

// inProcess is a catalog whose op step needs the engine in process.
type inProcess struct{ dag.Catalog }

func (c inProcess) Op(name string) (dag.OpSpec, bool) {
	spec, ok := c.Catalog.Op(name)
	spec.InProcess = name == "step"
	return spec, ok
}

func TestRouterRunsInProcessOpsOnTheDefaultExecutor(t *testing.T) {
	r, def, gpu := routedRigOps(t, inProcess{ops.NewRegistry(newStep(), ops.Shell{})})
	run := r.trigger(t, `
name: in-process
tasks:
  - {id: inside, op: step, queue: gpu}
  - {id: outside, op: shell, queue: gpu, with: {command: "true"}}
`, nil)
	if got := r.wait(t, run.ID); got.State != model.RunSuccess {
		t.Fatalf("run = %s (%s)", got.State, got.Error)
	}
	if got, _ := def.seen(); strings.Join(got, ",") != "inside" {
		t.Errorf("default executor got %v, want [inside]", got)
	}
	if got, _ := gpu.seen(); strings.Join(got, ",") != "outside" {
		t.Errorf("gpu executor got %v, want [outside]", got)
	}
}

// ender is an Executor that can end leftovers.
type ender struct {
	recorder
	ended []engine.Leftover
}

func (e *ender) EndLeftover(_ context.Context, l engine.Leftover) ([]int, error) {
	e.ended = append(e.ended, l)
	return []int{42}, nil
}

func TestRouterEndsLeftoversWithTheDefaultExecutor(t *testing.T) {
	reports := make(chan engine.Report, 1)
	with := &ender{}
	router := engine.NewRouter(reports, engine.RouterOptions{Default: with})
	l := engine.Leftover{RunID: 1, TaskID: "t", Try: 1}
	if pids, err := router.EndLeftover(t.Context(), l); err != nil || len(pids) != 1 || len(with.ended) != 1 {
		t.Errorf("EndLeftover = %v, %v; default ended %v, want it to end the leftover", pids, err, with.ended)
	}
	without := engine.NewRouter(reports, engine.RouterOptions{Default: &recorder{}})
	if _, err := without.EndLeftover(t.Context(), l); err != nil {
		t.Errorf("EndLeftover without a LeftoverEnder of a try with no process = %v, want nil: nothing to end", err)
	}
	l.Process = model.Process{PGID: 4242}
	if _, err := without.EndLeftover(t.Context(), l); err == nil {
		t.Errorf("EndLeftover without a LeftoverEnder = %v, want an error saying it cannot", err)
	}
}
