package local

import (
	"context"
	"fmt"

	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/ops"
)

var _ engine.LeftoverEnder = (*Executor)(nil)

// EndLeftover asks the op that ran l's try to end what it left running:
// only the op knows what its processes are and how to stop them.
func (e *Executor) EndLeftover(ctx context.Context, l engine.Leftover) ([]int, error) {
	op, ok := e.ops.Get(l.Op)
	if !ok {
		return nil, fmt.Errorf("unknown op %q", l.Op)
	}
	ender, ok := op.(ops.ProcessEnder)
	if !ok {
		return nil, fmt.Errorf("op %s recorded a process but cannot end one", l.Op)
	}
	return ender.EndLeftover(ctx, l.Process, l.Marks)
}
