package ops

import (
	"context"
	"fmt"
	"strconv"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// Runs is what trigger_dag needs from the engine.
type Runs interface {
	// TriggerChild starts a run of the named DAG on behalf of run parent.
	TriggerChild(ctx context.Context, parent int64, dagName string, params map[string]any) (int64, error)
	// WaitRun blocks until the run ends and returns its final state.
	WaitRun(ctx context.Context, runID int64) (string, error)
}

// TriggerDAG starts a run of another DAG, optionally waiting for it and
// failing when it fails.
type TriggerDAG struct{ Runs Runs }

var _ Op = TriggerDAG{}

func (TriggerDAG) Spec() dag.OpSpec {
	return dag.OpSpec{
		Name:        "trigger_dag",
		InProcess:   true,
		Description: "Starts a run of another DAG, optionally waiting for its result.",
		Args: []dag.ArgSpec{
			{Name: "dag", Type: dag.ArgString, Required: true, Description: "Name of the DAG to run."},
			{Name: "params", Type: dag.ArgMap, Description: "Parameters for the run."},
			{Name: "wait", Type: dag.ArgBool, Description: "Wait for the run to end and fail if it fails."},
		},
		Outputs: []string{"run_id", "state"},
	}
}

func (o TriggerDAG) Run(ctx context.Context, t *Task) (map[string]string, error) {
	name, err := argString(t.Args, "dag")
	if err != nil {
		return nil, err
	}
	wait, err := argBool(t.Args, "wait")
	if err != nil {
		return nil, err
	}
	params, _ := t.Args["params"].(map[string]any)
	if err := refuseSecrets(t.Secrets, "with.params", params); err != nil {
		return nil, err
	}
	id, err := o.Runs.TriggerChild(ctx, t.RunID, name, params)
	if err != nil {
		return nil, fmt.Errorf("trigger_dag: %w", err)
	}
	fmt.Fprintf(t.Log, "started run %d of %s\n", id, name)
	out := map[string]string{"run_id": strconv.FormatInt(id, 10), "state": "queued"}
	if !wait {
		return out, nil
	}
	state, err := o.Runs.WaitRun(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("trigger_dag: wait for run %d: %w", id, err)
	}
	fmt.Fprintf(t.Log, "run %d of %s ended %s\n", id, name, state)
	out["state"] = state
	if state != "success" {
		return nil, fmt.Errorf("trigger_dag: run %d of %s ended %s", id, name, state)
	}
	return out, nil
}

// refuseSecrets fails when a param holds a secret: a run's params are
// stored, shown on its page and set in its tasks' environment in the
// clear, and the child run would not know to mask them.
func refuseSecrets(m *tasklog.Masker, path string, v any) error {
	switch v := v.(type) {
	case string:
		if m.Contains(v) {
			return fmt.Errorf("trigger_dag: %s holds a secret, and a run's params are stored and shown in the clear: "+
				"read the secret in the child DAG with {{ secret \"NAME\" }} instead", path)
		}
	case map[string]any:
		for k, x := range v {
			if err := refuseSecrets(m, path+"."+k, x); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range v {
			if err := refuseSecrets(m, fmt.Sprintf("%s[%d]", path, i), x); err != nil {
				return err
			}
		}
	}
	return nil
}
