package workflow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
)

// Trigger starts a run of the named DAG with the given params; bad params
// are refused with model.ErrInvalid, an unknown DAG with ErrNotFound.
func (s *Service) Trigger(ctx context.Context, name string, params map[string]any, trigger model.Trigger) (model.Run, error) {
	e, err := s.Runnable(name)
	if err != nil {
		return model.Run{}, err
	}
	return s.engine.Trigger(ctx, engine.TriggerRequest{DAG: e.DAG, Source: e.Source, Params: params, Trigger: trigger})
}

// Wait blocks until the run ends.
func (s *Service) Wait(ctx context.Context, id int64) (model.Run, error) {
	return s.engine.Wait(ctx, id)
}

// Cancel stops a run: tasks not started are cancelled, running ones
// killed. An ended run is refused with model.ErrConflict.
func (s *Service) Cancel(ctx context.Context, id int64) error {
	return s.engine.Cancel(ctx, id)
}

// Retry runs the failed tasks of an ended run again (every task when
// failedOnly is false), with everything downstream of them.
func (s *Service) Retry(ctx context.Context, id int64, failedOnly bool) error {
	return s.engine.Retry(ctx, id, failedOnly)
}

// ClearTask resets a finished task of a run, and with downstream every task
// after it, so that they run again.
func (s *Service) ClearTask(ctx context.Context, runID int64, taskID string, downstream bool) error {
	return s.engine.Clear(ctx, runID, []string{taskID}, downstream)
}

// MarkTask sets a task that is not executing to success or failed by hand.
func (s *Service) MarkTask(ctx context.Context, runID int64, taskID string, state model.TaskState) error {
	return s.engine.Mark(ctx, runID, taskID, state)
}

// Run returns one recorded run.
func (s *Service) Run(ctx context.Context, id int64) (model.Run, error) {
	r, err := s.store.Run(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return r, model.Errorf(model.ErrNotFound, "run %d", id)
	}
	return r, err
}

// Runs returns recorded runs, newest first.
func (s *Service) Runs(ctx context.Context, f model.RunFilter) ([]model.Run, error) {
	f, ok := s.byTag(f)
	if !ok {
		return nil, nil
	}
	return s.store.Runs(ctx, f)
}

// TaskRunsOf returns the tasks of several runs, for the grid and lists.
func (s *Service) TaskRunsOf(ctx context.Context, runIDs []int64) ([]model.TaskRun, error) {
	return s.store.TaskRunsOf(ctx, runIDs)
}

// RunDetail returns a run and its tasks in the order its own definition
// runs them. It reads every change the engine made before the call.
func (s *Service) RunDetail(ctx context.Context, id int64) (RunDetail, error) {
	if f, ok := s.engine.(Flusher); ok {
		if err := f.Flush(ctx); err != nil && !errors.Is(err, model.ErrUnavailable) {
			return RunDetail{}, err
		}
	}
	r, err := s.Run(ctx, id)
	if err != nil {
		return RunDetail{}, err
	}
	tasks, err := s.store.TaskRuns(ctx, id)
	if err != nil {
		return RunDetail{}, err
	}
	tries, err := s.store.Tries(ctx, id)
	if err != nil {
		return RunDetail{}, err
	}
	d := RunDetail{Run: r, Tasks: s.inPlanOrder(ctx, r, tasks), Tries: tries}
	if err := s.explainWaits(ctx, &d); err != nil {
		return RunDetail{}, err
	}
	if err := s.findChildren(ctx, &d); err != nil {
		return RunDetail{}, err
	}
	return d, nil
}

// inPlanOrder sorts tasks as the run's definition runs them; tasks of a
// definition that no longer parses keep their stored order.
func (s *Service) inPlanOrder(ctx context.Context, r model.Run, tasks []model.TaskRun) []model.TaskRun {
	def, err := s.Definition(ctx, r)
	if err != nil {
		return tasks
	}
	byID := make(map[string]model.TaskRun, len(tasks))
	for _, t := range tasks {
		byID[t.TaskID] = t
	}
	out := make([]model.TaskRun, 0, len(tasks))
	for _, id := range def.Plan.Order() {
		if t, ok := byID[id]; ok {
			out = append(out, t)
		}
	}
	return out
}

// TriggerChild starts a run for a trigger_dag task of run parent.
func (s *Service) TriggerChild(ctx context.Context, parent int64, name string, params map[string]any) (int64, error) {
	e, err := s.Runnable(name)
	if err != nil {
		return 0, err
	}
	r, err := s.engine.Trigger(ctx, engine.TriggerRequest{
		DAG: e.DAG, Source: e.Source, Params: params, Trigger: model.TriggerDAG, ParentRunID: parent,
	})
	return r.ID, err
}

// WaitRun waits for a run to end, for a trigger_dag task.
func (s *Service) WaitRun(ctx context.Context, runID int64) (string, error) {
	r, err := s.engine.WaitChild(ctx, runID)
	return string(r.State), err
}

// TriggerScheduled starts a scheduled run. A run skipped because the DAG is
// busy, or one that exists already for that time, is not an error.
func (s *Service) TriggerScheduled(ctx context.Context, d *dag.DAG, logical time.Time) error {
	name := d.Name
	e, err := s.Runnable(name)
	if err != nil {
		return err
	}
	r, err := s.engine.Trigger(ctx, engine.TriggerRequest{
		DAG: e.DAG, Source: e.Source, Trigger: model.TriggerSchedule, LogicalDate: logical,
	})
	switch {
	case err == nil && r.State == model.RunFailed:
		s.logger.Warn("scheduled run could not start", "dag", name, "run", r.ID, "err", r.Error)
		return nil
	case errors.Is(err, engine.ErrSkipped):
		s.logger.Info("scheduled run skipped: the DAG is still busy", "dag", name, "logical_date", logical)
		return nil
	case errors.Is(err, model.ErrDuplicateRun):
		return nil
	case err != nil:
		return fmt.Errorf("scheduled run of %s: %w", name, err)
	}
	return nil
}
