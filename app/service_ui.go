package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend"
)

var (
	_ frontend.Workflows  = (*Workflows)(nil)
	_ frontend.RunControl = (*Workflows)(nil)
)

// DAGEntry returns the DAG file that defines name, valid or not, so the UI
// can show a broken file with its errors as well as a working one.
func (w *Workflows) DAGEntry(name string) (*dagdir.Entry, error) {
	if e, err := w.Dir.Get(name); err == nil {
		return e, nil
	}
	for _, e := range w.Dir.List() {
		if e.Name == name {
			return e, nil
		}
	}
	return nil, fmt.Errorf("DAG %q: %w", name, api.ErrNotFound)
}

// ClearTask resets a finished task of a run, and with downstream every task
// after it, so that they run again.
func (w *Workflows) ClearTask(ctx context.Context, runID int64, taskID string, downstream bool) error {
	return runNotFound(runID, w.Engine.Clear(ctx, runID, []string{taskID}, downstream))
}

// MarkTask sets a task that is not executing to success or failed by hand.
func (w *Workflows) MarkTask(ctx context.Context, runID int64, taskID string, state model.TaskState) error {
	return runNotFound(runID, w.Engine.Mark(ctx, runID, taskID, state))
}

// runNotFound maps the engine's unknown-run error to the API's.
func runNotFound(runID int64, err error) error {
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("run %d: %w", runID, api.ErrNotFound)
	}
	return err
}
