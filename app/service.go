package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

var _ api.Service = (*Workflows)(nil)

// DAGs lists the DAG files with their state.
func (w *Workflows) DAGs(ctx context.Context) ([]api.DAG, error) {
	var out []api.DAG
	for _, e := range w.Dir.List() {
		d, err := w.describe(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DAG describes the DAG file that defines name, valid or not.
func (w *Workflows) DAG(ctx context.Context, name string) (api.DAG, error) {
	e, err := w.DAGEntry(name)
	if err != nil {
		return api.DAG{}, err
	}
	return w.describe(ctx, e)
}

// describe is what listings show of a DAG file: its definition, problems,
// pause state and next scheduled run.
func (w *Workflows) describe(ctx context.Context, e *dagdir.Entry) (api.DAG, error) {
	d := api.DAG{Name: e.Name, File: e.File, Stale: e.Stale()}
	if e.Err != nil {
		d.Error = e.Err.Error()
	}
	if e.DAG != nil {
		d.Description, d.Tags, d.Schedule = e.DAG.Description, e.DAG.Tags, e.DAG.Schedule
	}
	st, _, err := w.store.DAGState(ctx, e.Name)
	if err != nil {
		return d, err
	}
	d.Paused, d.NextRunAt = st.Paused, st.NextRunAt
	if next, ok := w.Scheduler.Next(e.Name); ok {
		d.NextRunAt = next
	}
	return d, nil
}

// RunDetail returns a run and its tasks, in the order they run.
func (w *Workflows) RunDetail(ctx context.Context, id int64) (api.RunDetail, error) {
	if err := w.Engine.Flush(ctx); err != nil && !errors.Is(err, model.ErrUnavailable) {
		return api.RunDetail{}, err
	}
	r, err := w.store.Run(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.RunDetail{}, fmt.Errorf("run %d: %w", id, api.ErrNotFound)
	}
	if err != nil {
		return api.RunDetail{}, err
	}
	tasks, err := w.store.TaskRuns(ctx, id)
	if err != nil {
		return api.RunDetail{}, err
	}
	return api.RunDetail{Run: r, Tasks: w.inPlanOrder(ctx, r, tasks)}, nil
}

// inPlanOrder sorts tasks as the DAG's plan runs them; tasks of a
// definition that no longer parses keep their stored order.
func (w *Workflows) inPlanOrder(ctx context.Context, r model.Run, tasks []model.TaskRun) []model.TaskRun {
	src, err := w.store.Spec(ctx, r.SpecHash)
	if err != nil {
		return tasks
	}
	order, err := planOrder(r.DAG, src)
	if err != nil {
		return tasks
	}
	byID := make(map[string]model.TaskRun, len(tasks))
	for _, t := range tasks {
		byID[t.TaskID] = t
	}
	out := make([]model.TaskRun, 0, len(tasks))
	for _, id := range order {
		if t, ok := byID[id]; ok {
			out = append(out, t)
		}
	}
	return out
}

// Wait blocks until the run ends.
func (w *Workflows) Wait(ctx context.Context, id int64) (model.Run, error) {
	r, err := w.Engine.Wait(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		return r, fmt.Errorf("run %d: %w", id, api.ErrNotFound)
	}
	return r, err
}

// Control cancels or retries a run.
func (w *Workflows) Control(ctx context.Context, id int64, action api.Action) error {
	var err error
	switch action {
	case api.ActionCancel:
		err = w.Engine.Cancel(ctx, id)
	case api.ActionRetry, api.ActionRetryFailed:
		err = w.Engine.Retry(ctx, id, action == api.ActionRetryFailed)
	default:
		return fmt.Errorf("unknown action %q: %w", action, api.ErrInvalid)
	}
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("run %d: %w", id, api.ErrNotFound)
	}
	return err
}

// SetPaused pauses or unpauses a DAG's schedule.
func (w *Workflows) SetPaused(ctx context.Context, name string, paused bool) error {
	if _, err := w.Dir.Get(name); err != nil {
		return fmt.Errorf("%w: %w", err, api.ErrNotFound)
	}
	if paused {
		return w.Scheduler.Pause(ctx, name)
	}
	return w.Scheduler.Unpause(ctx, name)
}

// trigger adapts Trigger's lookup errors to the API's.
func notFoundDAG(err error) error {
	if errors.Is(err, dagdir.ErrUnknownDAG) {
		return fmt.Errorf("%w: %w", err, api.ErrNotFound)
	}
	return err
}

func planOrder(name string, src []byte) ([]string, error) {
	d, err := dag.Parse(name+".yaml", src)
	if err != nil {
		return nil, err
	}
	p, err := dag.NewPlan(d)
	if err != nil {
		return nil, err
	}
	return p.Order(), nil
}
