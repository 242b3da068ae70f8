package workflow

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
)

// PoolWaiter is an Engine that can say which tasks of a run wait for a
// pool slot; *engine.Engine is one.
type PoolWaiter interface {
	PoolWaits(ctx context.Context, runID int64) (map[string]engine.PoolWait, error)
}

// explainWaits says why a queued run has not started, and why each queued
// task of a running run has not: what a user watching a run that does not
// move asks first.
func (s *Service) explainWaits(ctx context.Context, d *RunDetail) error {
	def, err := s.Definition(ctx, d.Run)
	if err != nil {
		return nil // an unreadable definition has its own message on the page
	}
	switch d.Run.State {
	case model.RunQueued:
		d.Waiting, err = s.runWait(ctx, d.Run, def.DAG)
		return err
	case model.RunRunning:
		s.taskWaits(ctx, d, def)
	}
	return nil
}

// runWait names the runs a queued run waits for.
func (s *Service) runWait(ctx context.Context, r model.Run, d *dag.DAG) (string, error) {
	limit := d.MaxActiveRuns
	if limit == 0 {
		limit = dag.DefaultMaxActiveRuns
	}
	active, err := s.store.Runs(ctx, model.RunFilter{DAG: r.DAG, States: []model.RunState{model.RunRunning}, Limit: limit + 1})
	if err != nil {
		return "", err
	}
	if len(active) == 0 {
		return "It is about to start.", nil
	}
	ids := make([]string, len(active))
	for i, a := range active {
		ids[i] = strconv.FormatInt(a.ID, 10)
	}
	runs := "run " + ids[0]
	if len(ids) > 1 {
		runs = "runs " + strings.Join(ids, ", ")
	}
	return fmt.Sprintf("It waits for %s of %s to end: the DAG's max_active_runs is %d.", runs, r.DAG, limit), nil
}

// taskWaits explains each queued task of a running run: its upstream tasks
// have not finished, or its pool has no free slot.
func (s *Service) taskWaits(ctx context.Context, d *RunDetail, def Definition) {
	var pools map[string]engine.PoolWait
	if w, ok := s.engine.(PoolWaiter); ok {
		// An engine that stopped knows no lines; the upstream reasons
		// still hold.
		pools, _ = w.PoolWaits(ctx, d.Run.ID)
	}
	state := make(map[string]model.TaskState, len(d.Tasks))
	for _, t := range d.Tasks {
		state[t.TaskID] = t.State
	}
	for _, t := range d.Tasks {
		if t.State != model.TaskQueued {
			continue
		}
		var why string
		if p, ok := pools[t.TaskID]; ok {
			why = poolWait(p)
		} else if up := unfinished(def.Plan.Upstream(t.TaskID), state); len(up) > 0 {
			why = "waits for " + strings.Join(up, ", ") + " to finish"
		} else {
			continue
		}
		if d.Waits == nil {
			d.Waits = map[string]string{}
		}
		d.Waits[t.TaskID] = why
	}
}

// poolWaitWords begin the reason of a task that waits for a pool slot.
const poolWaitWords = "waits for a slot in "

// WaitsForPool reports whether why, one of RunDetail.Waits, is a wait for
// a pool slot rather than for upstream tasks: the wait a user can do
// something about, by freeing slots or adding some.
func WaitsForPool(why string) bool { return strings.HasPrefix(why, poolWaitWords) }

func poolWait(p engine.PoolWait) string {
	pool := "the default pool"
	if p.Pool != "" {
		pool = "pool " + p.Pool
	}
	msg := fmt.Sprintf(poolWaitWords+"%s: all %d are taken", pool, p.Slots)
	if p.Ahead > 0 {
		msg += fmt.Sprintf(", %d task(s) ahead", p.Ahead)
	}
	return msg
}

// unfinished lists the tasks among ids that have not ended.
func unfinished(ids []string, state map[string]model.TaskState) []string {
	var out []string
	for _, id := range ids {
		if !state[id].Done() {
			out = append(out, id)
		}
	}
	return out
}
