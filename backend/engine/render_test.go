package engine_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
)

// slowSecret wraps a rig's lookup so that the render of a template asking
// for "slow" waits for release: the engine's first lookup of each secret
// (when the run starts, on the loop) answers at once, later ones (from a
// template) wait.
func slowSecret(release <-chan struct{}) func(*engine.Options) {
	return func(o *engine.Options) {
		lookup, calls := o.Secret, atomic.Int32{}
		o.Secret = func(name string) (string, error) {
			if name == "slow" && calls.Add(1) > 1 {
				<-release
			}
			return lookup(name)
		}
	}
}

const slowDAG = `
name: slow
tasks:
  - {id: a, op: noop, when: '{{ secret "slow" | len }}'}
`

// A task whose template takes long holds up nobody else: other runs start,
// run and end while it renders.
func TestSlowTemplateDoesNotHoldBackOtherRuns(t *testing.T) {
	release := make(chan struct{})
	r := newSecretRigWith(t, map[string]string{"slow": "s3cr3t-value"}, slowSecret(release))
	slow := r.trigger(t, slowDAG)
	fast, _ := r.run(t, "name: fast\ntasks:\n  - {id: a, op: shell, with: {command: 'echo {{ .run.id }}'}}\n  - {id: b, op: noop, needs: [a]}\n")
	if fast.State != model.RunSuccess {
		t.Fatalf("fast run = %s (%s)", fast.State, fast.Error)
	}
	if got, _ := r.store.Run(t.Context(), slow); got.State.Done() {
		t.Fatalf("slow run already %s; the test needs it still rendering", got.State)
	}
	close(release)
	if run, tasks := r.wait(t, slow); run.State != model.RunSuccess || tasks["a"].State != model.TaskSuccess {
		t.Errorf("slow run = %s, a = %s (%s); want both success once the render ends", run.State, tasks["a"].State, tasks["a"].Error)
	}
}

// A template over the time limit fails its task with why, and a cancel
// while a task renders ends the run at once.
func TestTemplateOverTheTimeLimitFailsItsTask(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	r := newSecretRigWith(t, map[string]string{"slow": "s3cr3t-value"}, func(o *engine.Options) {
		slowSecret(release)(o)
		o.RenderTimeout = 50 * time.Millisecond
	})
	run, tasks := r.run(t, slowDAG)
	if run.State != model.RunFailed || !strings.Contains(tasks["a"].Error, "took longer than 50ms to render") {
		t.Errorf("run = %s, a = %s (%q); want a failed for its slow template", run.State, tasks["a"].State, tasks["a"].Error)
	}

	r2 := newSecretRigWith(t, map[string]string{"slow": "s3cr3t-value"}, slowSecret(release))
	id := r2.trigger(t, slowDAG)
	if err := r2.engine.Cancel(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if run, tasks := r2.wait(t, id); run.State != model.RunCancelled || tasks["a"].State != model.TaskCancelled {
		t.Errorf("cancelled while rendering: run = %s, a = %s; want both cancelled", run.State, tasks["a"].State)
	}
}
