package engine

import (
	"context"
	"fmt"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
)

// interrupted is the error of a try whose process died with meshflow.
const interrupted = "interrupted: meshflow stopped while the task was running"

// recover takes over the runs a previous process left queued or running.
// Tries that were executing when it died are failed as interrupted and
// retried if their policy allows; nothing stays running forever.
func (e *Engine) recover(ctx context.Context) error {
	runs, err := e.store.ActiveRuns(ctx)
	if err != nil {
		return err
	}
	for _, r := range runs {
		ar, err := e.load(ctx, r)
		if err != nil {
			e.logger.Error("engine: cannot resume run; failing it", "run_id", r.ID, "dag", r.DAG, "err", err)
			r.State, r.EndedAt, r.Error = model.RunFailed, e.clock.Now(), "could not be resumed: "+err.Error()
			e.journal.run(r)
			continue
		}
		e.runs[r.ID] = ar
	}
	unended, err := e.endLeftovers(ctx)
	if err != nil {
		return err
	}
	for _, r := range runs {
		if ar, ok := e.runs[r.ID]; ok && r.State == model.RunRunning {
			e.running[r.DAG]++
			e.interruptTries(ar, unended)
		}
	}
	// Resume in run order, queued runs behind running ones as before.
	for _, r := range runs {
		ar, ok := e.runs[r.ID]
		if !ok {
			continue
		}
		if r.State == model.RunRunning {
			e.resume(ar)
		} else {
			e.queued[r.DAG] = append(e.queued[r.DAG], ar)
		}
	}
	for name := range e.queued {
		e.startQueued(name)
	}
	return nil
}

// interruptTries fails the tries that were executing or waiting when the
// previous process died, and retries them per their policy; a try whose
// processes may still run (unended) is failed for good instead.
func (e *Engine) interruptTries(ar *activeRun, unended map[taskKey]error) {
	now := e.clock.Now()
	for i := range ar.tasks {
		row := &ar.tasks[i]
		err, unendable := unended[taskKey{row.RunID, row.TaskID}]
		switch {
		case interruptedTry(*row) || unendable:
			if !interruptedTry(*row) {
				row.Try++ // the try its process file names: the journal had not recorded it
			}
			ar.phases[i] = executing // so failTry records the try
			proc := row.Process
			row.Process = model.Process{}
			if unendable {
				e.finishTask(ar, i, model.TaskFailed, unendedReason(proc.PGID, err), nil)
				continue
			}
			e.failTry(ar, i, interrupted, now)
		case row.State == model.TaskUpForRetry:
			e.retryAfter(ar, i, row.Try, max(row.NextTryAt.Sub(now), 0))
		}
	}
}

// interruptedTry reports whether row's try was executing when the previous
// process died.
func interruptedTry(row model.TaskRun) bool {
	return row.State == model.TaskRunning || (row.State == model.TaskQueued && row.Try > 0 && !row.StartedAt.IsZero())
}

// load rebuilds a run's in-memory state from the store.
func (e *Engine) load(ctx context.Context, r model.Run) (*activeRun, error) {
	src, err := e.store.Spec(ctx, r.SpecHash)
	if err != nil {
		return nil, err
	}
	d, err := dag.Parse(r.DAG+".yaml", src)
	if err != nil {
		return nil, fmt.Errorf("definition no longer parses: %w", err)
	}
	plan, err := dag.NewPlan(d)
	if err != nil {
		return nil, err
	}
	rows, err := e.store.TaskRuns(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	vars, err := e.vars(ctx, d, r)
	if err != nil {
		return nil, err
	}
	return newActiveRun(r, d, plan, rows, vars), nil
}

// reopen loads a run that is not active, for Clear and Mark; an active run
// needs no loading and nil is returned.
func (e *Engine) reopen(ctx context.Context, runID int64) (*activeRun, error) {
	var active bool
	if err := e.call(ctx, func() { _, active = e.runs[runID] }); err != nil {
		return nil, err
	}
	if active {
		return nil, nil
	}
	// The store must have every change made so far, e.g. a Mark just before.
	if err := e.journal.flush(ctx); err != nil {
		return nil, err
	}
	r, err := e.storedRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	return e.load(ctx, r)
}

// mark sets task taskID of ar to state by hand.
func (e *Engine) mark(ar *activeRun, taskID string, state model.TaskState) error {
	if err := notStarted(ar, "mark"); err != nil {
		return err
	}
	i := ar.plan.Index(taskID)
	if i < 0 {
		return noTask(ar, taskID)
	}
	if ar.phases[i].busy() {
		return taskBusy(ar, i)
	}
	reason := "marked " + string(state) + " by a user"
	if ar.phases[i] != finished {
		e.finishTask(ar, i, state, reason, nil)
		return nil
	}
	row := &ar.tasks[i]
	row.State, row.Error = state, reason
	e.journal.task(*row, false)
	ar.recount()
	if ar.run.State.Done() { // an ended run: only its outcome changes
		ar.run.State, ar.run.Error = runOutcome(ar.tasks), ""
		if ar.run.State == model.RunFailed {
			ar.run.Error = failedTasks(ar)
		}
		e.journal.run(ar.run)
		return nil
	}
	e.resume(ar)
	return nil
}
