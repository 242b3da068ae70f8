package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// Wait blocks until the run has ended and its outcome is in the store.
func (e *Engine) Wait(ctx context.Context, runID int64) (model.Run, error) {
	ch := make(chan model.Run, 1)
	registered := false
	err := e.call(ctx, func() {
		if ar, ok := e.runs[runID]; ok {
			ar.waiters, registered = append(ar.waiters, ch), true
		} else if ws, ok := e.finishing[runID]; ok {
			e.finishing[runID], registered = append(ws, ch), true
		}
	})
	if err != nil {
		return model.Run{}, err
	}
	if !registered {
		return e.storedRun(ctx, runID)
	}
	select {
	case r := <-ch:
		return r, nil
	case <-ctx.Done():
		return model.Run{}, ctx.Err()
	}
}

// WaitChild is Wait for a run that a task of its parent run started and
// waits for. It fails at once, with why, when the child can never start:
// it is queued behind runs of its DAG that are all its own ancestors, each
// waiting for it to end (a DAG that triggers itself with wait: true).
func (e *Engine) WaitChild(ctx context.Context, runID int64) (model.Run, error) {
	var stuck error
	if err := e.call(ctx, func() { stuck = e.queuedBehindAncestors(runID) }); err != nil {
		return model.Run{}, err
	}
	if stuck != nil {
		return model.Run{}, stuck
	}
	return e.Wait(ctx, runID)
}

// queuedBehindAncestors says why run id can never start, if it is queued
// and every running run of its DAG is one of its ancestors.
func (e *Engine) queuedBehindAncestors(id int64) error {
	ar, ok := e.runs[id]
	if !ok || ar.run.State != model.RunQueued {
		return nil
	}
	ancestors := map[int64]bool{}
	for p := ar.run.ParentRunID; p != 0 && !ancestors[p]; {
		ancestors[p] = true
		parent, ok := e.runs[p]
		if !ok {
			break
		}
		p = parent.run.ParentRunID
	}
	var holders []string
	for _, other := range e.runs {
		if other.run.DAG != ar.run.DAG || other.run.State != model.RunRunning {
			continue
		}
		if !ancestors[other.run.ID] {
			return nil // it ends on its own and frees a slot
		}
		holders = append(holders, strconv.FormatInt(other.run.ID, 10))
	}
	if len(holders) == 0 {
		return nil
	}
	slices.Sort(holders)
	return model.Errorf(model.ErrConflict,
		"run %d of DAG %s can never start: it is queued behind run %s, which waits for it (max_active_runs %d); "+
			"trigger it with wait: false, or raise max_active_runs",
		id, ar.run.DAG, strings.Join(holders, ", "), maxActive(ar.dag))
}

func (e *Engine) storedRun(ctx context.Context, runID int64) (model.Run, error) {
	r, err := e.store.Run(ctx, runID)
	if errors.Is(err, model.ErrNotFound) {
		return r, model.Errorf(model.ErrNotFound, "run %d", runID)
	}
	return r, err
}

// Cancel stops a run: tasks not started are cancelled, executing attempts
// are stopped (their process groups killed), and the run ends cancelled.
func (e *Engine) Cancel(ctx context.Context, runID int64) error {
	var found bool
	err := e.call(ctx, func() {
		ar, ok := e.runs[runID]
		if !ok {
			return
		}
		found = true
		e.cancelRun(ar)
	})
	if err != nil {
		return err
	}
	if !found {
		// The run may have ended a moment ago: read its committed outcome.
		if err := e.journal.flush(ctx); err != nil {
			return err
		}
		r, err := e.storedRun(ctx, runID)
		if err != nil {
			return err
		}
		return model.Errorf(model.ErrConflict, "run %d already ended: %s", runID, r.State)
	}
	return nil
}

func (e *Engine) cancelRun(ar *activeRun) {
	ar.cancelling = true
	if ar.run.Error == "" {
		ar.run.Error = "cancelled by a user"
	}
	// Runs this one started with trigger_dag go with it: nobody would be
	// waiting for them any more, and they would run on unwatched.
	var children []*activeRun
	for _, other := range e.runs {
		if other.run.ParentRunID == ar.run.ID && !other.cancelling {
			children = append(children, other)
		}
	}
	for _, c := range children {
		c.run.Error = fmt.Sprintf("cancelled with run %d, which started it", ar.run.ID)
		e.cancelRun(c)
	}
	if q := e.queued[ar.run.DAG]; slices.Contains(q, ar) {
		e.queued[ar.run.DAG] = slices.DeleteFunc(q, func(x *activeRun) bool { return x == ar })
	}
	for i := range ar.tasks {
		switch ar.phases[i] {
		case pending, rendering, pooled, backoff:
			e.finishTask(ar, i, model.TaskCancelled, "cancelled by a user", nil)
		case submitted, executing:
			e.exec.Cancel(ar.run.ID, ar.tasks[i].TaskID)
		}
	}
}

// Clear resets finished tasks of a run so that they run again, with a fresh
// retry budget; with downstream, every task after them too. A finished run
// becomes running again. Tasks still executing cannot be cleared.
func (e *Engine) Clear(ctx context.Context, runID int64, taskIDs []string, downstream bool) error {
	return e.withRun(ctx, runID, func(ar *activeRun) error { return e.clear(ar, taskIDs, downstream) })
}

// withRun runs fn on the loop with the run's state, loading it from the
// store first if the run has ended. A run that is still ended afterwards
// is not kept.
func (e *Engine) withRun(ctx context.Context, runID int64, fn func(*activeRun) error) error {
	// A run active when reopen looked may end before the call below; it is
	// then loaded again, now from the store.
	for range 3 {
		loaded, err := e.reopen(ctx, runID)
		if err != nil {
			return err
		}
		var fnErr error
		var gone bool
		err = e.call(ctx, func() {
			ar := e.runs[runID]
			if ar == nil {
				ar = loaded
			}
			if ar == nil {
				gone = true
				return
			}
			e.runs[runID] = ar
			fnErr = fn(ar)
			if ar.run.State.Done() {
				delete(e.runs, runID)
			}
		})
		if err != nil {
			return err
		}
		if !gone {
			return fnErr
		}
	}
	return model.Errorf(model.ErrUnavailable, "run %d keeps changing; try again", runID)
}

// notStarted refuses to change the tasks of a queued run: they have not
// run, and changing them would start the run out of its turn.
func notStarted(ar *activeRun, what string) error {
	if ar.run.State != model.RunQueued {
		return nil
	}
	return model.Errorf(model.ErrConflict,
		"run %d is queued behind other runs of DAG %s and has not started, so there is nothing to %s; wait for it to start, or cancel it",
		ar.run.ID, ar.run.DAG, what)
}

func (e *Engine) clear(ar *activeRun, taskIDs []string, downstream bool) error {
	if err := notStarted(ar, "clear"); err != nil {
		return err
	}
	set := map[int]bool{}
	for _, id := range taskIDs {
		i := ar.plan.Index(id)
		if i < 0 {
			return noTask(ar, id)
		}
		set[i] = true
		if downstream {
			for _, d := range ar.plan.Descendants(id) {
				set[ar.plan.Index(d)] = true
			}
		}
	}
	for i := range set {
		if ar.phases[i].busy() {
			return taskBusy(ar, i)
		}
	}
	for i := range set {
		ar.phases[i] = pending
		row := &ar.tasks[i]
		row.MaxTries = row.Try + maxTries(ar.dag.Defaults, ar.spec(i))
		row.State, row.Error, row.Outputs, row.NextTryAt, row.EndedAt = model.TaskQueued, "", nil, zeroTime, zeroTime
		ar.forgetOutputs(row.TaskID)
		e.journal.task(*row, false)
	}
	ar.recount()
	ar.cancelling = false
	if ar.run.State.Done() {
		ar.run.State, ar.run.EndedAt, ar.run.Error = model.RunQueued, zeroTime, ""
	}
	if ar.run.State == model.RunQueued && e.running[ar.run.DAG] < maxActive(ar.dag) {
		e.startRun(ar)
		return nil
	}
	if ar.run.State == model.RunQueued {
		e.queued[ar.run.DAG] = append(e.queued[ar.run.DAG], ar)
		e.journal.run(ar.run)
		return nil
	}
	e.resume(ar)
	return nil
}

// Retry clears the failed tasks of a run (failed, upstream_failed and
// cancelled ones; every task with failedOnly false) and their downstream.
func (e *Engine) Retry(ctx context.Context, runID int64, failedOnly bool) error {
	return e.withRun(ctx, runID, func(ar *activeRun) error {
		if err := notStarted(ar, "retry"); err != nil {
			return err
		}
		var ids []string
		for _, t := range ar.tasks {
			if !failedOnly || t.State == model.TaskFailed || t.State == model.TaskUpstreamFailed || t.State == model.TaskCancelled {
				ids = append(ids, t.TaskID)
			}
		}
		if len(ids) == 0 {
			return model.Errorf(model.ErrConflict, "run %d has no failed, upstream_failed or cancelled task to retry", runID)
		}
		return e.clear(ar, ids, true)
	})
}

// Mark sets a task that is not executing to success or failed by hand, and
// lets its downstream tasks react.
func (e *Engine) Mark(ctx context.Context, runID int64, taskID string, state model.TaskState) error {
	if state != model.TaskSuccess && state != model.TaskFailed {
		return model.Errorf(model.ErrInvalid, "a task can be marked %s or %s, not %q", model.TaskSuccess, model.TaskFailed, state)
	}
	return e.withRun(ctx, runID, func(ar *activeRun) error { return e.mark(ar, taskID, state) })
}

// taskBusy refuses to change a task that is running or about to.
func taskBusy(ar *activeRun, i int) error {
	return model.Errorf(model.ErrConflict, "task %s of run %d is running; wait for it to end, or cancel the run", ar.tasks[i].TaskID, ar.run.ID)
}

// noTask is the error for a task id the run's DAG does not have.
func noTask(ar *activeRun, taskID string) error {
	return model.Errorf(model.ErrNotFound, "run %d has no task %q", ar.run.ID, taskID)
}
