// Package workflow owns the workflow use cases — list and describe DAGs,
// trigger, cancel, retry, clear and mark runs, read run details, keep global
// variables and secrets — written once for the three faces: the UI, the REST
// API and the CLI each call a Service through a small interface of their
// own. It depends on the engine, the scheduler and the DAG folder through
// the interfaces declared here; app wires the concrete ones.
package workflow

import (
	"context"
	"log/slog"
	"time"

	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/scheduler"
)

// DAG describes one DAG file for listings.
type DAG struct {
	Name        string    `json:"name"`
	File        string    `json:"file"`
	Description string    `json:"description,omitempty"`
	Tags        []string  `json:"tags,omitempty"`
	Schedule    string    `json:"schedule,omitempty"`
	Timezone    string    `json:"timezone,omitempty"`
	Paused      bool      `json:"paused"`
	NextRunAt   time.Time `json:"next_run_at,omitzero"`
	Error       string    `json:"error,omitempty"`    // what is wrong with the file now
	Stale       bool      `json:"stale,omitempty"`    // the last good version still runs
	Warnings    []string  `json:"warnings,omitempty"` // problems that do not stop it from running
}

// RunDetail is a run with its tasks in plan order.
type RunDetail struct {
	Run   model.Run       `json:"run"`
	Tasks []model.TaskRun `json:"tasks"`
	// Tries is every finished try of every task, by task then try: what
	// retries and clears left behind, kept for good.
	Tries []model.Try `json:"tries"`
	// Waiting says why a queued run has not started; Waits why each queued
	// task of a running run has not, by task id.
	Waiting string            `json:"waiting,omitempty"`
	Waits   map[string]string `json:"waits,omitempty"`
	// Children is the run each trigger_dag task started, by task id.
	Children map[string]Child `json:"children,omitempty"`
}

// TriesOf returns every try task has made, oldest first: the finished ones
// and, while it runs, the current one.
func (d RunDetail) TriesOf(task model.TaskRun) []model.Try {
	var out []model.Try
	for _, t := range d.Tries {
		if t.TaskID == task.TaskID {
			out = append(out, t)
		}
	}
	if task.State == model.TaskRunning && (len(out) == 0 || out[len(out)-1].Try < task.Try) {
		out = append(out, model.Try{TaskID: task.TaskID, Try: task.Try, State: task.State, StartedAt: task.StartedAt})
	}
	return out
}

// Engine runs DAGs; *engine.Engine is one. Its refusals are kinded with
// the model's error vocabulary.
type Engine interface {
	Trigger(ctx context.Context, req engine.TriggerRequest) (model.Run, error)
	Wait(ctx context.Context, runID int64) (model.Run, error)
	// WaitChild is Wait for a run a task started, failing at once if the
	// run can never start because it is queued behind the run waiting for it.
	WaitChild(ctx context.Context, runID int64) (model.Run, error)
	Cancel(ctx context.Context, runID int64) error
	Retry(ctx context.Context, runID int64, failedOnly bool) error
	Clear(ctx context.Context, runID int64, taskIDs []string, downstream bool) error
	Mark(ctx context.Context, runID int64, taskID string, state model.TaskState) error
}

// Flusher is an Engine that can wait until every change it made so far is
// in the store, which gives reads of runs read-your-writes.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Schedule is the scheduler's view of DAGs; *scheduler.Scheduler is one.
type Schedule interface {
	Next(name string) (time.Time, bool)
	Pause(ctx context.Context, name string) error
	Unpause(ctx context.Context, name string) error
}

// Folder is the DAG folder; *dagdir.Dir is one.
type Folder interface {
	List() []*dagdir.Entry
	Get(name string) (*dagdir.Entry, error) // valid DAGs only
}

// Store is the recorded state the use cases read.
type Store interface {
	DAGState(ctx context.Context, name string) (model.DAGState, bool, error)
	Run(ctx context.Context, id int64) (model.Run, error)
	Runs(ctx context.Context, f model.RunFilter) ([]model.Run, error)
	CountRuns(ctx context.Context, f model.RunFilter) (int, error)
	TaskRuns(ctx context.Context, runID int64) ([]model.TaskRun, error)
	Tries(ctx context.Context, runID int64) ([]model.Try, error)
	TaskRunsOf(ctx context.Context, runIDs []int64) ([]model.TaskRun, error)
	Spec(ctx context.Context, hash string) ([]byte, error)
}

// Options are what a Service is built from. Folder, Engine and Schedule may
// be connected after New (Connect): the ops that validate and run DAGs call
// back into the Service (trigger_dag), so it exists before them.
type Options struct {
	Store    Store
	Folder   Folder
	Engine   Engine
	Schedule Schedule
	Logger   *slog.Logger
}

// Service is the workflow use cases of one data dir. Its methods are safe
// for concurrent use.
type Service struct {
	store    Store
	folder   Folder
	engine   Engine
	schedule Schedule
	logger   *slog.Logger
	specs    *specCache
}

// New returns the Service over o.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store: o.Store, folder: o.Folder, engine: o.Engine, schedule: o.Schedule,
		logger: o.Logger, specs: newSpecCache(specCacheSize),
	}
}

// Connect sets the DAG folder, the engine and the scheduler, which are
// built after the Service. Call it once, before the Service is used.
func (s *Service) Connect(f Folder, e Engine, sched Schedule) {
	s.folder, s.engine, s.schedule = f, e, sched
}

// StateStore keeps what meshflow knows of each DAG besides its file.
type StateStore interface {
	DAGState(ctx context.Context, name string) (model.DAGState, bool, error)
	SaveDAGState(ctx context.Context, name string, st model.DAGState) error
}

// ScheduleStates adapts st to the scheduler's view of DAG state.
func ScheduleStates(st StateStore) scheduler.Store { return scheduleStates{st} }

type scheduleStates struct{ s StateStore }

func (a scheduleStates) ScheduleState(ctx context.Context, name string) (scheduler.State, bool, error) {
	st, ok, err := a.s.DAGState(ctx, name)
	return scheduler.State{Paused: st.Paused, NextRunAt: st.NextRunAt, LastScheduledAt: st.LastScheduledAt}, ok, err
}

func (a scheduleStates) SaveScheduleState(ctx context.Context, name string, st scheduler.State) error {
	return a.s.SaveDAGState(ctx, name, model.DAGState{Paused: st.Paused, NextRunAt: st.NextRunAt, LastScheduledAt: st.LastScheduledAt})
}
