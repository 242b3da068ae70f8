package ops

import (
	"context"

	"github.com/meshflow/meshflow/backend/dag"
)

// Noop does nothing and succeeds: a join point in a graph, or a placeholder.
type Noop struct{}

var _ Op = Noop{}

func (Noop) Spec() dag.OpSpec {
	return dag.OpSpec{Name: "noop", Description: "Does nothing and succeeds; useful as a join point."}
}

func (Noop) Run(context.Context, *Task) (map[string]string, error) { return nil, nil }
