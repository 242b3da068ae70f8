package workflow

import (
	"context"

	"github.com/meshflow/meshflow/backend/model"
)

// Action is a change a user asks of a run, to be confirmed first.
type Action string

// The actions that change a run's tasks.
const (
	ActionCancel      Action = "cancel"       // stop the run
	ActionRetryFailed Action = "retry_failed" // run failed tasks and their downstream again
	ActionClear       Action = "clear"        // run a task and its downstream again
	ActionMarkSuccess Action = "mark_success" // treat a task as succeeded
	ActionMarkFailed  Action = "mark_failed"  // treat a task as failed
)

// Change is what an action will do to one task: the list a confirmation
// shows before anything happens.
type Change struct {
	Task     string
	From, To model.TaskState
	Tries    int // tries the task has made; a clear keeps them in the history
}

// Changes lists what action would do to run runID's tasks (task names the
// one a clear or mark is about), in plan order, without doing it. Tasks it
// leaves as they are are not listed. The run's detail comes along, for
// the page that asks.
func (s *Service) Changes(ctx context.Context, runID int64, action Action, task string) (RunDetail, []Change, error) {
	d, err := s.RunDetail(ctx, runID)
	if err != nil {
		return d, nil, err
	}
	if task != "" && d.task(task) == nil {
		return d, nil, model.Errorf(model.ErrNotFound, "run %d has no task %q", runID, task)
	}
	var picked map[string]model.TaskState // task → the state it gets
	switch action {
	case ActionCancel:
		picked = map[string]model.TaskState{}
		for _, t := range d.Tasks {
			if !t.State.Done() {
				picked[t.TaskID] = model.TaskCancelled
			}
		}
	case ActionMarkSuccess:
		picked = map[string]model.TaskState{task: model.TaskSuccess}
	case ActionMarkFailed:
		picked = map[string]model.TaskState{task: model.TaskFailed}
	case ActionClear:
		picked, err = s.withDownstream(ctx, d, []string{task})
	case ActionRetryFailed:
		var failed []string
		for _, t := range d.Tasks {
			if t.State == model.TaskFailed || t.State == model.TaskUpstreamFailed || t.State == model.TaskCancelled {
				failed = append(failed, t.TaskID)
			}
		}
		picked, err = s.withDownstream(ctx, d, failed)
	default:
		return d, nil, model.Errorf(model.ErrInvalid, "no action %q: it is one of cancel, retry_failed, clear, mark_success, mark_failed", action)
	}
	if err != nil {
		return d, nil, err
	}
	var out []Change
	for _, t := range d.Tasks {
		if to, ok := picked[t.TaskID]; ok && to != t.State {
			out = append(out, Change{Task: t.TaskID, From: t.State, To: to, Tries: t.Try})
		}
	}
	return d, out, nil
}

// withDownstream is the tasks a clear of ids resets, to queued: them and
// every task after them.
func (s *Service) withDownstream(ctx context.Context, d RunDetail, ids []string) (map[string]model.TaskState, error) {
	def, err := s.Definition(ctx, d.Run)
	if err != nil {
		return nil, err
	}
	out := map[string]model.TaskState{}
	for _, id := range ids {
		out[id] = model.TaskQueued
		for _, down := range def.Plan.Descendants(id) {
			out[down] = model.TaskQueued
		}
	}
	return out, nil
}

// task returns the run's task id, or nil.
func (d RunDetail) task(id string) *model.TaskRun {
	for i := range d.Tasks {
		if d.Tasks[i].TaskID == id {
			return &d.Tasks[i]
		}
	}
	return nil
}
