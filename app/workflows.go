package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/engine/local"
	"github.com/meshflow/meshflow/backend/events"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/scheduler"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/frontend"
	"github.com/meshflow/meshflow/store"
)

// Workflows is the workflow system of one data dir: the DAG folder, the
// engine that runs DAGs and the scheduler that starts them on time. Build
// it with App.Workflows; Run makes it work.
type Workflows struct {
	Dir       *dagdir.Dir
	Engine    *engine.Engine
	Scheduler *scheduler.Scheduler
	Ops       *ops.Registry
	Logs      tasklog.Dir
	Events    *events.Bus // signals each run's committed changes to the UI

	store *store.Store
	exec  *local.Executor
	app   *App
}

var (
	_ engine.Store       = (*store.Store)(nil)
	_ ops.Runs           = (*Workflows)(nil)
	_ scheduler.Trigger  = (*Workflows)(nil)
	_ frontend.RunEvents = (*events.Bus)(nil)
)

// Workflows builds the workflow system the first time it is asked for.
func (a *App) Workflows() *Workflows {
	a.workflowsOnce.Do(func() { a.workflows = newWorkflows(a, clock.Real()) })
	return a.workflows
}

func newWorkflows(a *App, clk clock.Clock) *Workflows {
	w := &Workflows{store: a.Store, app: a, Logs: tasklog.Dir(a.Dir.Logs()), Events: &events.Bus{}}
	cfg := a.Config.Engine
	w.Ops = newOps(w, clk)
	w.Dir = dagdir.New(a.Dir.DAGs(), w.Ops)
	w.Engine = engine.New(engine.Options{
		Store: a.Store, Catalog: w.Ops, Clock: clk, Logger: a.Logger, Parallelism: cfg.Parallelism, Pools: cfg.Pools,
		Vars: a.Variables().Plain, Secret: a.Variables().Secret,
		OnCommit: func(runIDs []int64) {
			for _, id := range runIDs {
				w.Events.Publish(id)
			}
		},
		NewExecutor: func(reports chan<- engine.Report) engine.Executor {
			w.exec = local.New(local.Options{
				Workers: cfg.Parallelism + poolSlots(cfg.Pools), Ops: w.Ops, Logs: w.Logs, Reports: reports,
				Clock: clk, OutputLimit: cfg.OutputLimit,
			})
			return w.exec
		},
	})
	w.Scheduler = scheduler.New(clk, scheduleStore{a.Store}, w, a.Logger)
	return w
}

// Load reads the DAG folder and logs the files that are invalid. Run
// loads it too; call Load first when DAGs must be known before Run starts.
func (w *Workflows) Load() error {
	if _, err := w.Dir.Load(); err != nil {
		return err
	}
	for _, e := range w.Dir.List() {
		if e.Err != nil {
			w.app.Logger.Warn("invalid DAG file", "file", e.File, "err", e.Err)
		}
	}
	return nil
}

// Run loads the DAG folder and runs the engine, the scheduler and the
// folder watcher until ctx ends. Attempts still executing then are
// stopped; the next start retries them as interrupted.
func (w *Workflows) Run(ctx context.Context) error { return w.run(ctx, true) }

// RunEngine runs the engine alone: nothing is scheduled and the folder is
// not watched, for CLI commands that run one DAG in the foreground.
func (w *Workflows) RunEngine(ctx context.Context) error { return w.run(ctx, false) }

func (w *Workflows) run(ctx context.Context, scheduled bool) error {
	if err := w.Load(); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() { errs <- w.Engine.Run(ctx) })
	if scheduled {
		w.Scheduler.Set(w.Dir.DAGs())
		wg.Go(func() { errs <- ignoreStopped(w.Scheduler.Run(ctx)) })
		wg.Go(func() {
			errs <- w.Dir.Watch(ctx, w.app.Logger, func() {
				w.app.Logger.Info("dag folder reloaded")
				w.Scheduler.Set(w.Dir.DAGs())
			})
		})
	}
	wg.Wait()
	w.exec.Close()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	return errors.Join(all...)
}

func ignoreStopped(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Trigger starts a run of the named DAG.
func (w *Workflows) Trigger(ctx context.Context, name string, params map[string]any, trigger model.Trigger) (model.Run, error) {
	e, err := w.Dir.Get(name)
	if err != nil {
		return model.Run{}, notFoundDAG(err)
	}
	r, err := w.Engine.Trigger(ctx, engine.TriggerRequest{DAG: e.DAG, Source: e.Source, Params: params, Trigger: trigger})
	if errors.Is(err, model.ErrInvalid) {
		return r, fmt.Errorf("%w: %w", err, api.ErrInvalid)
	}
	return r, err
}

// TriggerChild starts a run for a trigger_dag task.
func (w *Workflows) TriggerChild(ctx context.Context, parent int64, name string, params map[string]any) (int64, error) {
	e, err := w.Dir.Get(name)
	if err != nil {
		return 0, err
	}
	r, err := w.Engine.Trigger(ctx, engine.TriggerRequest{
		DAG: e.DAG, Source: e.Source, Params: params, Trigger: model.TriggerDAG, ParentRunID: parent,
	})
	return r.ID, err
}

// WaitRun waits for a run to end, for a trigger_dag task.
func (w *Workflows) WaitRun(ctx context.Context, runID int64) (string, error) {
	r, err := w.Engine.Wait(ctx, runID)
	return string(r.State), err
}

// TriggerScheduled starts a scheduled run. A run skipped because the DAG is
// busy, or one that exists already for that time, is not an error.
func (w *Workflows) TriggerScheduled(ctx context.Context, d *dag.DAG, logical time.Time) error {
	e, err := w.Dir.Get(d.Name)
	if err != nil {
		return err
	}
	_, err = w.Engine.Trigger(ctx, engine.TriggerRequest{
		DAG: e.DAG, Source: e.Source, Trigger: model.TriggerSchedule, LogicalDate: logical,
	})
	switch {
	case errors.Is(err, engine.ErrSkipped):
		w.app.Logger.Info("scheduled run skipped: the DAG is still busy", "dag", d.Name, "logical_date", logical)
		return nil
	case errors.Is(err, model.ErrDuplicateRun):
		return nil
	case err != nil:
		return fmt.Errorf("scheduled run of %s: %w", d.Name, err)
	}
	return nil
}

// scheduleStore adapts the store to the scheduler's view of DAG state.
type scheduleStore struct{ s *store.Store }

func (a scheduleStore) ScheduleState(ctx context.Context, name string) (scheduler.State, bool, error) {
	st, ok, err := a.s.DAGState(ctx, name)
	return scheduler.State{Paused: st.Paused, NextRunAt: st.NextRunAt, LastScheduledAt: st.LastScheduledAt}, ok, err
}

func (a scheduleStore) SaveScheduleState(ctx context.Context, name string, st scheduler.State) error {
	return a.s.SaveDAGState(ctx, name, model.DAGState{Paused: st.Paused, NextRunAt: st.NextRunAt, LastScheduledAt: st.LastScheduledAt})
}

// NewOps is the registry of every op meshflow knows. runs serves
// trigger_dag; it may be nil where ops are only validated, never run.
func NewOps(runs ops.Runs) *ops.Registry {
	return newOps(runs, clock.Real())
}

func newOps(runs ops.Runs, clk clock.Clock) *ops.Registry {
	return ops.NewRegistry(
		ops.Shell{}, ops.HTTP{Client: &http.Client{Timeout: 5 * time.Minute}},
		ops.TriggerDAG{Runs: runs}, ops.Wait{Clock: clk}, ops.Noop{},
	)
}

// poolSlots is the sum of the named pools' slots: the executor needs a
// worker for every try the pools can let through at once.
func poolSlots(pools map[string]int) int {
	n := 0
	for _, slots := range pools {
		n += slots
	}
	return n
}
