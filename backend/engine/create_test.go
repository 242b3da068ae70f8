package engine_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

// slowCreate is a store whose CreateRun of DAG slow waits for release.
type slowCreate struct {
	*store.Store
	entered chan struct{} // a CreateRun of slow is waiting
	release chan struct{}
}

func (s *slowCreate) CreateRun(ctx context.Context, r *model.Run, spec []byte, tasks []model.TaskRun) error {
	if r.DAG == "slow" {
		s.entered <- struct{}{}
		select {
		case <-s.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return s.Store.CreateRun(ctx, r, spec, tasks)
}

func slowCreateRig(t *testing.T) (*rig, *slowCreate) {
	t.Helper()
	slow := &slowCreate{entered: make(chan struct{}, 8), release: make(chan struct{})}
	r := newRigFor(t, &rig{wrapStore: func(st *store.Store) engine.Store { slow.Store = st; return slow }}, nil)
	return r, slow
}

// triggerAsync triggers src in the background; the result comes on the channel.
func (r *rig) triggerAsync(t *testing.T, src string, trigger model.Trigger) chan triggered {
	t.Helper()
	d := load(t, src)
	ch := make(chan triggered, 1)
	go func() {
		run, err := r.engine.Trigger(context.WithoutCancel(t.Context()), engine.TriggerRequest{DAG: d, Source: []byte(src), Trigger: trigger})
		ch <- triggered{run, err}
	}()
	return ch
}

type triggered struct {
	run model.Run
	err error
}

func hangGuard[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

func TestLoopServesOtherRunsWhileARunIsCreated(t *testing.T) {
	r, slow := slowCreateRig(t)
	gate := r.step.gate("work")
	fast := r.trigger(t, "name: fast\ntasks:\n  - {id: work, op: step}\n", nil)
	pending := r.triggerAsync(t, "name: slow\ntasks:\n  - {id: t, op: noop}\n", model.TriggerManual)
	hangGuard(t, "CreateRun of slow", slow.entered)

	// While slow's CreateRun blocks, fast's report and Wait are served.
	close(gate)
	if got := r.wait(t, fast.ID); got.State != model.RunSuccess {
		t.Fatalf("fast run = %s (%s)", got.State, got.Error)
	}
	close(slow.release)
	res := hangGuard(t, "Trigger of slow", pending)
	if res.err != nil {
		t.Fatal(res.err)
	}
	if got := r.wait(t, res.run.ID); got.State != model.RunSuccess {
		t.Fatalf("slow run = %s (%s)", got.State, got.Error)
	}
}

func TestRunsBeingCreatedCountTowardsMaxActiveRuns(t *testing.T) {
	r, slow := slowCreateRig(t)
	gate := r.step.gate("t")
	src := "name: slow\nmax_active_runs: 1\ntasks:\n  - {id: t, op: step}\n"
	first := r.triggerAsync(t, src, model.TriggerManual)
	hangGuard(t, "CreateRun of the first run", slow.entered)
	second := r.triggerAsync(t, src, model.TriggerManual)
	hangGuard(t, "CreateRun of the second run", slow.entered)
	// The first run holds the only place, the second the queue: a
	// scheduled run is skipped before it reaches the store.
	_, err := r.engine.Trigger(t.Context(), engine.TriggerRequest{DAG: load(t, src), Source: []byte(src), Trigger: model.TriggerSchedule})
	if !errors.Is(err, engine.ErrSkipped) {
		t.Fatalf("scheduled run while two are being created: %v, want ErrSkipped", err)
	}
	close(slow.release)
	a, b := hangGuard(t, "first Trigger", first), hangGuard(t, "second Trigger", second)
	if a.err != nil || b.err != nil {
		t.Fatalf("triggers: %v, %v", a.err, b.err)
	}
	if a.run.State != model.RunRunning || b.run.State != model.RunQueued {
		t.Errorf("runs = %s, %s; want running, then queued behind it", a.run.State, b.run.State)
	}
	close(gate)
	for _, id := range []int64{a.run.ID, b.run.ID} {
		if got := r.wait(t, id); got.State != model.RunSuccess {
			t.Errorf("run %d = %s (%s)", id, got.State, got.Error)
		}
	}
}

func TestAFailedCreateFreesItsPlace(t *testing.T) {
	r := newRig(t, nil)
	r.step.gate("work")
	src := "name: two\nmax_active_runs: 2\ntasks:\n  - {id: work, op: step}\n"
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	req := engine.TriggerRequest{DAG: load(t, src), Source: []byte(src), Trigger: model.TriggerSchedule, LogicalDate: at}
	if _, err := r.engine.Trigger(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if _, err := r.engine.Trigger(t.Context(), req); !errors.Is(err, model.ErrDuplicateRun) {
		t.Fatalf("second run for the same time: %v, want ErrDuplicateRun", err)
	}
	// Had the duplicate kept its place, this one would queue.
	if got := r.trigger(t, src, nil); got.State != model.RunRunning {
		t.Errorf("run after a failed create = %s, want running beside the first", got.State)
	}
}
