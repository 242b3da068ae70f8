package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
)

// TriggerRequest asks for a new run.
type TriggerRequest struct {
	DAG *dag.DAG
	// Source is the DAG's YAML as it is now; the run keeps it, so that
	// editing the file does not change a run in flight or its retries.
	Source []byte
	// Params are the values given by the caller: strings from a form or
	// --param, or typed values from --conf JSON. Missing ones take their
	// defaults.
	Params      map[string]any
	Trigger     model.Trigger
	LogicalDate time.Time // zero: now
	ParentRunID int64
}

// Trigger creates a run and starts it, or queues it when the DAG already
// has max_active_runs running. A scheduled run of a DAG whose overlap
// policy is skip is not created then, and ErrSkipped is returned; a second
// run for the same scheduled time fails with model.ErrDuplicateRun.
func (e *Engine) Trigger(ctx context.Context, req TriggerRequest) (model.Run, error) {
	params, err := dag.ResolveParams(req.DAG, req.Params)
	if err != nil {
		return model.Run{}, model.Errorf(model.ErrInvalid, "%w", err)
	}
	plan, err := dag.NewPlan(req.DAG)
	if err != nil {
		return model.Run{}, model.Errorf(model.ErrInvalid, "DAG %s: %w", req.DAG.Name, err)
	}
	vars, err := e.vars(ctx, req.DAG)
	if err != nil {
		return model.Run{}, err
	}
	var start bool
	var refused error
	if err := e.call(ctx, func() { start, refused = e.reserve(req) }); err != nil {
		return model.Run{}, err
	}
	if refused != nil {
		return model.Run{}, refused
	}
	r, rows, err := e.createRun(ctx, req, params)
	// The reservation is settled whatever happened: a created run is
	// admitted even if ctx has ended meanwhile, since it is in the store
	// now, and a failed one frees its place.
	var out model.Run
	callErr := e.call(context.WithoutCancel(ctx), func() {
		e.unreserve(req.DAG.Name, start)
		if err == nil {
			out = e.admit(r, req.DAG, plan, rows, vars, start)
		}
	})
	if err != nil {
		return model.Run{}, err
	}
	if callErr != nil {
		// Stopped after the run was recorded: the next start takes it up.
		return r, callErr
	}
	return out, nil
}

// reserve decides, on the loop, whether a new run of req.DAG starts at
// once or queues, and holds its place while it is created off the loop,
// so that max_active_runs and the skip policy count it. A scheduled run
// of a busy DAG whose overlap policy is skip gets ErrSkipped.
func (e *Engine) reserve(req TriggerRequest) (start bool, err error) {
	d := req.DAG
	busy := e.active(d.Name) >= maxActive(d) || len(e.queued[d.Name])+e.queueing[d.Name] > 0
	if busy && req.Trigger == model.TriggerSchedule && d.Overlap != dag.OverlapQueue {
		return false, ErrSkipped
	}
	if busy {
		e.queueing[d.Name]++
	} else {
		e.starting[d.Name]++
	}
	return !busy, nil
}

// unreserve gives back the place reserve took.
func (e *Engine) unreserve(name string, start bool) {
	if start {
		e.starting[name]--
	} else {
		e.queueing[name]--
	}
}

// active counts a DAG's running runs and those about to start.
func (e *Engine) active(name string) int { return e.running[name] + e.starting[name] }

// createRun records a new run in the store. It runs in the caller's
// goroutine: the loop goes on serving other runs while the disk works.
func (e *Engine) createRun(ctx context.Context, req TriggerRequest, params map[string]any) (model.Run, []model.TaskRun, error) {
	d := req.DAG
	now := e.clock.Now()
	r := model.Run{
		DAG: d.Name, State: model.RunQueued, Trigger: req.Trigger, LogicalDate: req.LogicalDate,
		Params: params, ParentRunID: req.ParentRunID, QueuedAt: now,
	}
	if r.LogicalDate.IsZero() {
		r.LogicalDate = now
	}
	rows := make([]model.TaskRun, len(d.Tasks))
	for i := range d.Tasks {
		rows[i] = model.TaskRun{TaskID: d.Tasks[i].ID, State: model.TaskQueued, MaxTries: maxTries(d.Defaults, &d.Tasks[i])}
	}
	if err := e.store.CreateRun(ctx, &r, req.Source, rows); err != nil {
		return model.Run{}, nil, fmt.Errorf("engine: trigger %s: %w", d.Name, err)
	}
	for i := range rows {
		rows[i].RunID = r.ID
	}
	return r, rows, nil
}

// admit takes a created run into the loop's state, starting it if its
// reservation said so and queueing it otherwise.
func (e *Engine) admit(r model.Run, d *dag.DAG, plan *dag.Plan, rows []model.TaskRun, vars map[string]string, start bool) model.Run {
	ar := newActiveRun(r, d, plan, rows, vars)
	e.runs[r.ID] = ar
	if start {
		e.startRun(ar)
		return ar.run
	}
	e.queued[d.Name] = append(e.queued[d.Name], ar)
	e.startQueued(d.Name) // the runs ahead of it may have ended meanwhile
	return ar.run
}

// vars merges the global variables with the DAG's own, which win.
func (e *Engine) vars(ctx context.Context, d *dag.DAG) (map[string]string, error) {
	out := map[string]string{}
	if e.opts.Vars != nil {
		global, err := e.opts.Vars(ctx)
		if err != nil {
			return nil, fmt.Errorf("engine: read variables: %w", err)
		}
		for k, v := range global {
			out[k] = v
		}
	}
	for _, v := range d.Vars {
		out[v.Name] = v.Value
	}
	return out, nil
}
