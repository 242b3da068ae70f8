package engine

import (
	"context"
	"errors"
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
//
// A scheduled run that cannot start (its params do not resolve, its vars
// do not render, the variables cannot be read) is recorded as a failed run
// with the reason, and returned without an error: nobody is there to read
// an error, but the run list is.
func (e *Engine) Trigger(ctx context.Context, req TriggerRequest) (model.Run, error) {
	r, err := e.trigger(ctx, req)
	if err != nil && req.Trigger == model.TriggerSchedule && !refusedOnPurpose(ctx, err) {
		return e.failedRun(ctx, req, err)
	}
	return r, err
}

// refusedOnPurpose tells the errors of a scheduled trigger that are no
// failure of the run: skipped, already made, or the engine stopping.
func refusedOnPurpose(ctx context.Context, err error) bool {
	return errors.Is(err, ErrSkipped) || errors.Is(err, model.ErrDuplicateRun) ||
		errors.Is(err, model.ErrUnavailable) || ctx.Err() != nil
}

// failedRun records a run that ended before it started, because of why.
// It is not active, so the loop need not know of it.
func (e *Engine) failedRun(ctx context.Context, req TriggerRequest, why error) (model.Run, error) {
	now := e.clock.Now()
	r := model.Run{
		DAG: req.DAG.Name, State: model.RunFailed, Trigger: req.Trigger, LogicalDate: req.LogicalDate,
		Params: req.Params, ParentRunID: req.ParentRunID, QueuedAt: now, EndedAt: now,
		Error: "could not start: " + why.Error(),
	}
	if r.LogicalDate.IsZero() {
		r.LogicalDate = now
	}
	if err := e.store.CreateRun(ctx, &r, req.Source, nil); err != nil {
		return model.Run{}, fmt.Errorf("engine: record the failed run of %s: %w (it failed: %w)", req.DAG.Name, err, why)
	}
	return r, nil
}

func (e *Engine) trigger(ctx context.Context, req TriggerRequest) (model.Run, error) {
	params, err := dag.ResolveParams(req.DAG, req.Params)
	if err != nil {
		return model.Run{}, model.Errorf(model.ErrInvalid, "%w", err)
	}
	plan, err := dag.NewPlan(req.DAG)
	if err != nil {
		return model.Run{}, model.Errorf(model.ErrInvalid, "DAG %s: %w", req.DAG.Name, err)
	}
	if req.LogicalDate.IsZero() {
		req.LogicalDate = e.clock.Now()
	}
	vars, err := e.vars(ctx, req.DAG, model.Run{Params: params, LogicalDate: req.LogicalDate, Trigger: req.Trigger})
	if err != nil {
		return model.Run{}, err
	}
	return e.createRun(ctx, req, params, plan, vars)
}

// createRun records the run and hands it to the loop. The insert runs on
// the caller's goroutine, so a slow disk delays this trigger and not the
// runs in flight; only the decisions that must see the loop's counts (skip
// a scheduled run, then start or queue) run on the loop, before and after.
func (e *Engine) createRun(ctx context.Context, req TriggerRequest, params map[string]any, plan *dag.Plan, vars runVars) (model.Run, error) {
	d := req.DAG
	if err := e.awaitRecovery(ctx); err != nil {
		return model.Run{}, err
	}
	if req.Trigger == model.TriggerSchedule && d.Overlap != dag.OverlapQueue {
		var busy bool
		if err := e.call(ctx, func() { busy = e.busy(d) }); err != nil {
			return model.Run{}, err
		}
		if busy {
			return model.Run{}, ErrSkipped
		}
	}
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
		return model.Run{}, fmt.Errorf("engine: trigger %s: %w", d.Name, err)
	}
	for i := range rows {
		rows[i].RunID = r.ID
	}
	ar := newActiveRun(r, d, plan, rows, vars)
	// The run is in the store now: admit it even if the caller stops
	// waiting, or it would sit queued until the next start. If the engine
	// has stopped, that is no error either: the next start recovers it.
	_ = e.call(context.WithoutCancel(ctx), func() { r = e.admit(ar) })
	return r, nil
}

// admit starts a new run, or queues it behind the DAG's active runs.
func (e *Engine) admit(ar *activeRun) model.Run {
	e.runs[ar.run.ID] = ar
	if e.busy(ar.dag) {
		e.queued[ar.dag.Name] = append(e.queued[ar.dag.Name], ar)
	} else {
		e.startRun(ar)
	}
	return ar.run
}

// busy reports whether a new run of d would have to wait: the DAG has its
// maximum of runs running, or older runs are waiting already.
func (e *Engine) busy(d *dag.DAG) bool {
	return e.running[d.Name] >= maxActive(d) || len(e.queued[d.Name]) > 0
}

// awaitRecovery waits until the runs of the previous process are taken
// over: a run recorded before that would be found by recovery as well.
func (e *Engine) awaitRecovery(ctx context.Context) error {
	select {
	case <-e.stopped:
		return errStopped
	default:
	}
	select {
	case <-e.recovered:
		return nil
	case <-e.stopped:
		return errStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runVars are a run's variables and the secret values their templates
// resolved, which the run's logs must mask.
type runVars struct {
	values  map[string]string
	secrets []string
}

// vars merges the global variables with the DAG's own, which win. Each DAG
// var is a template over run r's params, r without its id (a new run has
// none yet, and a recovered one must render the same) and the variables
// before it; an error names the var.
func (e *Engine) vars(ctx context.Context, d *dag.DAG, r model.Run) (runVars, error) {
	out := runVars{values: map[string]string{}}
	if e.opts.Vars != nil {
		global, err := e.opts.Vars(ctx)
		if err != nil {
			return runVars{}, fmt.Errorf("engine: read variables: %w", err)
		}
		for k, v := range global {
			out.values[k] = v
		}
	}
	r.ID = 0
	data := dag.TemplateData{Params: r.Params, Vars: out.values, Run: runInfo(r)}
	for _, v := range d.Vars {
		value, used, err := dag.Render(v.Value, data, e.opts.Secret)
		out.secrets = append(out.secrets, used...)
		if err != nil {
			return runVars{}, model.Errorf(model.ErrInvalid, "DAG %s: vars.%s: %w", d.Name, v.Name, err)
		}
		out.values[v.Name] = value
	}
	return out, nil
}

// runInfo is what templates read as .run.
func runInfo(r model.Run) dag.RunInfo {
	return dag.RunInfo{ID: r.ID, LogicalDate: r.LogicalDate, Trigger: string(r.Trigger)}
}
