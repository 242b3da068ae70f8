package engine

import (
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
)

// upstreamTally counts the states of a task's upstream tasks.
type upstreamTally struct {
	total, done              int
	success, failed, skipped int // failed counts failed and upstream_failed
	cancelled                int
}

func (u *upstreamTally) add(s model.TaskState) {
	if !s.Done() {
		return
	}
	u.done++
	switch s {
	case model.TaskSuccess:
		u.success++
	case model.TaskFailed, model.TaskUpstreamFailed:
		u.failed++
	case model.TaskSkipped:
		u.skipped++
	case model.TaskCancelled:
		u.cancelled++
	}
}

// verdict is what a trigger rule says about a task given its upstream.
type verdict int

const (
	wait  verdict = iota // not decided yet: more upstream tasks must finish
	run                  // run the task
	skip                 // do not run: mark skipped
	block                // do not run: mark upstream_failed
)

// decide applies a trigger rule. one_success and one_failed decide as soon
// as one upstream task qualifies, like Airflow; the other rules wait until
// every upstream task is done. A task with no upstream always runs.
func decide(rule dag.TriggerRule, u upstreamTally) verdict {
	if u.total == 0 {
		return run
	}
	allDone := u.done == u.total
	switch rule {
	case dag.OneSuccess:
		if u.success > 0 {
			return run
		}
		if allDone {
			return block
		}
	case dag.OneFailed:
		if u.failed > 0 {
			return run
		}
		if allDone {
			return skip
		}
	case dag.AllDone:
		if allDone {
			return run
		}
	case dag.AllFailed:
		if u.success > 0 || u.skipped > 0 {
			return skip // decided early: it can no longer be all failed
		}
		if allDone {
			return run
		}
	case dag.NoneFailed:
		if u.failed > 0 || u.cancelled > 0 {
			return block
		}
		if allDone {
			return run
		}
	default: // all_success
		if u.failed > 0 || u.cancelled > 0 {
			return block
		}
		if allDone {
			if u.skipped > 0 {
				return skip
			}
			return run
		}
	}
	return wait
}

// runOutcome is the final state of a run whose tasks are all done. A run
// fails when any task failed, even if a cleanup task ran after it: "the
// pipeline failed, the cleanup ran" must not read as success.
func runOutcome(tasks []model.TaskRun) model.RunState {
	state := model.RunSuccess
	for _, t := range tasks {
		switch t.State {
		case model.TaskFailed, model.TaskUpstreamFailed:
			return model.RunFailed
		case model.TaskCancelled:
			state = model.RunCancelled
		}
	}
	return state
}
