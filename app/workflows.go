package app

import (
	"context"
	"errors"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/engine/local"
	"github.com/meshflow/meshflow/backend/events"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/scheduler"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend"
	"github.com/meshflow/meshflow/store"
)

// Workflows is the workflow system of one data dir, wired: the DAG
// folder, the engine that runs DAGs, the scheduler that starts them on time,
// and the Service that holds the use cases the UI, the API and the CLI
// share. Build it with App.Workflows; Run makes it work.
type Workflows struct {
	Service   *workflow.Service
	Dir       *dagdir.Dir
	Engine    *engine.Engine
	Scheduler *scheduler.Scheduler
	Ops       *ops.Registry
	Logs      tasklog.Dir
	Events    *events.Bus // signals each run's committed changes to the UI

	app *App
}

var (
	_ engine.Store       = (*store.Store)(nil)
	_ ops.Runs           = (*workflow.Service)(nil)
	_ scheduler.Trigger  = (*workflow.Service)(nil)
	_ frontend.RunEvents = (*events.Bus)(nil)
)

// Workflows builds the workflow system the first time it is asked for.
func (a *App) Workflows() *Workflows {
	a.workflowsOnce.Do(func() { a.workflows = newWorkflows(a, clock.Real()) })
	return a.workflows
}

// Variables returns the data dir's global variables, secrets sealed under
// its master key.
func (a *App) Variables() *workflow.Variables {
	return workflow.NewVariables(a.Store, a.Keys())
}

func newWorkflows(a *App, clk clock.Clock) *Workflows {
	w := &Workflows{app: a, Logs: tasklog.Dir(a.Dir.Logs()), Events: &events.Bus{}}
	cfg := a.Config.Engine
	vars := a.Variables()
	w.Service = workflow.New(workflow.Options{Store: a.Store, Logger: a.Logger})
	w.Ops = newOps(w.Service, a.Inventory(), clk)
	w.Dir = dagdir.New(a.Dir.DAGs(), w.Ops)
	w.Engine = engine.New(engine.Options{
		Store: a.Store, Clock: clk, Logger: a.Logger, Parallelism: cfg.Parallelism, Pools: cfg.Pools,
		Vars: vars.Plain, Secret: vars.Secret,
		OnCommit: func(runIDs []int64) {
			for _, id := range runIDs {
				w.Events.Publish(id)
			}
		},
		NewExecutor: func(reports chan<- engine.Report) engine.Executor {
			// No named queue is served yet: a task with a queue fails
			// with a report saying so, instead of running here unasked.
			return engine.NewRouter(reports, engine.RouterOptions{
				Default: local.New(local.Options{
					Workers: cfg.Parallelism + poolSlots(cfg.Pools), Ops: w.Ops, Logs: w.Logs, Reports: reports,
					Clock: clk, OutputLimit: cfg.OutputLimit,
				}),
				Clock: clk, Ops: w.Ops,
			})
		},
	})
	w.Scheduler = scheduler.New(clk, workflow.ScheduleStates(a.Store), w.Service, a.Logger)
	w.Service.Connect(w.Dir, w.Engine, w.Scheduler)
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
// folder watcher until ctx ends or one of them fails, which stops the
// others. Attempts still executing then are stopped; the next start
// retries them as interrupted.
func (w *Workflows) Run(ctx context.Context) error {
	if err := w.Load(); err != nil {
		return err
	}
	return w.run(ctx, true)
}

// RunEngine runs the engine alone: nothing is scheduled and the folder is
// not watched, for CLI commands that run one DAG in the foreground.
func (w *Workflows) RunEngine(ctx context.Context) error {
	if err := w.Load(); err != nil {
		return err
	}
	return w.run(ctx, false)
}

// run runs what Run runs, over a folder already loaded.
func (w *Workflows) run(ctx context.Context, scheduled bool) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return w.Engine.Run(ctx) })
	if scheduled {
		w.Scheduler.Set(w.Dir.DAGs())
		g.Go(func() error { return ignoreStopped(w.Scheduler.Run(ctx)) })
		g.Go(func() error {
			err := w.Dir.Watch(ctx, w.app.Logger, func() {
				w.app.Logger.Info("dag folder reloaded")
				w.Scheduler.Set(w.Dir.DAGs())
			})
			if err != nil {
				// Not worth stopping for: runs go on, only edits wait.
				w.app.Logger.Warn("not watching the dag folder: edits take effect at the next start", "err", err)
			}
			return nil
		})
	}
	return g.Wait()
}

func ignoreStopped(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// NewOps is the registry of every op meshflow knows. runs serves
// trigger_dag; it may be nil where ops are only validated, never run.
func NewOps(runs ops.Runs) *ops.Registry {
	return newOps(runs, nil, clock.Real())
}

// vmService is what the vm.* ops need of the inventory.
type vmService interface {
	ops.VMs
	ops.Guard
	ops.Resizer
}

// newOps is the registry of every op. vms may be nil where no VM op runs
// (validating files): the vm.* ops are still known, so DAGs using them
// validate the same everywhere.
func newOps(runs ops.Runs, vms vmService, clk clock.Clock) *ops.Registry {
	return ops.NewRegistry(
		ops.Shell{}, ops.HTTP{Client: &http.Client{Timeout: 5 * time.Minute}},
		ops.TriggerDAG{Runs: runs}, ops.Wait{Clock: clk}, ops.Noop{},
		ops.VMCreate{VMs: vms}, ops.VMWait{VMs: vms}, ops.VMList{VMs: vms, Guard: vms},
		ops.VMAction{Action: cloud.Start, VMs: vms}, ops.VMAction{Action: cloud.Stop, VMs: vms},
		ops.VMAction{Action: cloud.Suspend, VMs: vms}, ops.VMAction{Action: cloud.Resume, VMs: vms},
		ops.VMAction{Action: cloud.Reboot, VMs: vms}, ops.VMAction{Action: cloud.Destroy, VMs: vms},
		ops.VMResize{VMs: vms, Resizer: vms},
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
