package workflow

import (
	"context"
	"errors"
	"strconv"

	"github.com/meshflow/meshflow/backend/model"
)

// opTriggerDAG is the op that starts a run of another DAG.
const opTriggerDAG = "trigger_dag"

// Child is the run a trigger_dag task started.
type Child struct {
	ID    int64          `json:"id"`
	DAG   string         `json:"dag"`
	State model.RunState `json:"state"`
}

// findChildren fills d.Children: for each trigger_dag task whose run_id
// output names a run that this run started, that run. An output naming
// any other run (a user's own output of the same name, a run since
// deleted) is left as text.
func (s *Service) findChildren(ctx context.Context, d *RunDetail) error {
	def, err := s.Definition(ctx, d.Run)
	if err != nil {
		return nil // an old definition that no longer parses: nothing to link
	}
	for _, t := range d.Tasks {
		i := def.Plan.Index(t.TaskID)
		if i < 0 || def.DAG.Tasks[i].Op != opTriggerDAG {
			continue
		}
		id, err := strconv.ParseInt(t.Outputs["run_id"], 10, 64)
		if err != nil {
			continue
		}
		child, err := s.store.Run(ctx, id)
		if errors.Is(err, model.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if child.ParentRunID != d.Run.ID {
			continue
		}
		if d.Children == nil {
			d.Children = map[string]Child{}
		}
		d.Children[t.TaskID] = Child{ID: child.ID, DAG: child.DAG, State: child.State}
	}
	return nil
}
