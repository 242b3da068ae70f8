package local

import (
	"context"
	"errors"
	"fmt"

	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
)

var _ engine.LeftoverEnder = (*Executor)(nil)

// EndLeftover asks the op that ran l's try to end what it left running:
// only the op knows what its processes are and how to stop them. A try
// whose process the journal had not committed yet is found by the process
// file the executor wrote before the process could do anything.
func (e *Executor) EndLeftover(ctx context.Context, l engine.Leftover) ([]int, error) {
	p := l.Process
	if p.IsZero() {
		var err error
		p, err = e.logs.ReadProcess(tasklog.Key{DAG: l.DAG, RunID: l.RunID, Task: l.TaskID, Try: l.Try})
		if errors.Is(err, model.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	op, ok := e.ops.Get(l.Op)
	if !ok {
		return nil, fmt.Errorf("unknown op %q", l.Op)
	}
	ender, ok := op.(ops.ProcessEnder)
	if !ok {
		return nil, fmt.Errorf("op %s recorded a process but cannot end one", l.Op)
	}
	return ender.EndLeftover(ctx, p, l.Marks)
}
