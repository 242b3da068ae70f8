// Package engine runs DAGs: it turns a trigger into a run, decides which
// tasks are ready by their trigger rules, hands attempts to an Executor,
// retries with backoff, honours pools and max_active_runs, and recovers runs
// left behind by a crash. All run state lives in one goroutine (the loop),
// driven by events on channels; the store is the durable record, written in
// short batched transactions by the journal.
package engine

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
)

// ErrSkipped is returned for a scheduled run that is not created because
// the DAG already has its maximum of active runs and its overlap policy is
// skip. It matches model.ErrConflict.
//
// Every other refusal is a model error: model.ErrNotFound for an unknown
// run or task, model.ErrInvalid for a bad request (params, graph, state),
// model.ErrConflict for a run or task not in a state that allows it, and
// model.ErrUnavailable once the engine has stopped; each reads as a
// sentence meant for the user.
var ErrSkipped = model.Errorf(model.ErrConflict, "skipped: the DAG already has its maximum of active runs")

// errStopped answers calls made after Run returned.
var errStopped = model.Errorf(model.ErrUnavailable, "the workflow engine has stopped")

// Store is the durable record the engine writes and recovers from: all it
// knows of the database. Lookups of something that does not exist fail
// with an error matching model.ErrNotFound.
type Store interface {
	BatchStore
	// CreateRun records a new run with its task rows and the DAG source it
	// executes, filling in r.ID and r.SpecHash. A second scheduled run for
	// the same DAG and logical date fails with model.ErrDuplicateRun.
	CreateRun(ctx context.Context, r *model.Run, spec []byte, tasks []model.TaskRun) error
	// Run returns one run.
	Run(ctx context.Context, id int64) (model.Run, error)
	// ActiveRuns returns the runs queued or running, oldest first.
	ActiveRuns(ctx context.Context) ([]model.Run, error)
	// TaskRuns returns a run's task rows.
	TaskRuns(ctx context.Context, runID int64) ([]model.TaskRun, error)
	// Spec returns the DAG source kept under a run's SpecHash.
	Spec(ctx context.Context, hash string) ([]byte, error)
}

// DefaultParallelism is the size of the default pool, and the local
// executor's number of workers, when their options leave it unset. On the
// 2-core reference machine 1,000 `true` tasks take the same time, within
// noise, with 2 to 64 workers (forking a process is CPU work there, so
// two busy cores are the limit) and 1.7 times longer with one; peak memory
// grows slowly with workers (about 20 MiB with 2, 25 MiB with 32). Tasks
// that wait on the network or a remote machine gain from more workers than
// cores, so it stays at 16.
const DefaultParallelism = 16

// DefaultRenderTimeout is how long one task's templates may render when
// Options leave it unset: a template that needs longer is a mistake (a
// huge range), and a task waiting on it holds a pool slot of nobody's.
const DefaultRenderTimeout = 5 * time.Second

// Options configure an Engine. Store and NewExecutor are required.
type Options struct {
	Store Store
	// NewExecutor builds the executor, given the channel its reports go to.
	NewExecutor func(reports chan<- Report) Executor
	Clock       clock.Clock
	Logger      *slog.Logger
	// Parallelism is how many attempts run at once in the default pool.
	Parallelism int
	// Pools are named limits on concurrent attempts: name → slots.
	Pools map[string]int
	// Vars returns the global variables, read when a run starts.
	Vars func(ctx context.Context) (map[string]string, error)
	// Secret resolves {{ secret "name" }} in templates.
	Secret dag.SecretFunc
	// RenderTimeout bounds how long one task's templates may render;
	// DefaultRenderTimeout if zero.
	RenderTimeout time.Duration
	// OnCommit, if set, is called after each write of state changes with
	// the ids of the runs it changed, so watchers can look again. It runs
	// on the goroutine that writes, so it must return quickly.
	OnCommit func(runIDs []int64)
}

// Engine runs DAGs. Its methods are safe for concurrent use.
type Engine struct {
	opts     Options
	store    Store
	clock    clock.Clock
	logger   *slog.Logger
	exec     Executor
	journal  *journal
	reports  chan Report
	calls    chan func()
	stopped  chan struct{}
	stopOnce sync.Once
	// recovered is closed once the runs of the previous process are
	// taken over; new runs are recorded only after that.
	recovered chan struct{}

	// Owned by the loop goroutine.
	runs      map[int64]*activeRun
	queued    map[string][]*activeRun // DAG name → runs waiting for a slot, oldest first
	running   map[string]int          // DAG name → runs in state running
	pools     map[string]*pool
	finishing map[int64][]chan model.Run // runs ended but not yet committed → waiters
}

// New builds an engine; Run starts it.
func New(o Options) *Engine {
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Parallelism <= 0 {
		o.Parallelism = DefaultParallelism
	}
	if o.RenderTimeout <= 0 {
		o.RenderTimeout = DefaultRenderTimeout
	}
	e := &Engine{
		opts: o, store: o.Store, clock: o.Clock, logger: o.Logger,
		reports: make(chan Report, 1024), calls: make(chan func()),
		stopped: make(chan struct{}), recovered: make(chan struct{}),
		runs: map[int64]*activeRun{}, queued: map[string][]*activeRun{}, running: map[string]int{},
		finishing: map[int64][]chan model.Run{},
	}
	e.journal = newJournal(o.Store, o.Logger, o.OnCommit)
	e.exec = o.NewExecutor(e.reports)
	e.pools = map[string]*pool{"": {slots: o.Parallelism}}
	for name, slots := range o.Pools {
		e.pools[name] = &pool{slots: max(slots, 1)}
	}
	return e
}

// Run recovers unfinished runs and then executes until ctx is cancelled.
// On return every state change has been written to the store, and the
// executor is closed if it is an io.Closer: attempts still executing are
// stopped, and the next start retries them as interrupted.
func (e *Engine) Run(ctx context.Context) error {
	journalCtx, stopJournal := context.WithCancel(context.WithoutCancel(ctx))
	go e.journal.loop(journalCtx)
	defer func() {
		e.stopOnce.Do(func() { close(e.stopped) })
		if c, ok := e.exec.(io.Closer); ok {
			if err := c.Close(); err != nil {
				e.logger.Error("engine: close executor", "err", err)
			}
		}
		stopJournal()
		<-e.journal.done
	}()
	if err := e.recover(ctx); err != nil {
		if ctx.Err() != nil {
			return nil // stopped while starting up
		}
		return fmt.Errorf("engine: recover: %w", err)
	}
	close(e.recovered)
	for {
		select {
		case rep := <-e.reports:
			e.onReport(rep)
		case fn := <-e.calls:
			fn()
		case <-ctx.Done():
			return nil
		}
	}
}

// call runs fn on the loop goroutine and waits for it.
func (e *Engine) call(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	wrapped := func() { fn(); close(done) }
	select {
	case e.calls <- wrapped:
	case <-e.stopped:
		return errStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	<-done
	return nil
}

// post runs fn on the loop goroutine without waiting; used by timers.
func (e *Engine) post(fn func()) {
	go func() {
		select {
		case e.calls <- fn:
		case <-e.stopped:
		}
	}()
}

// Flush waits until every state change so far is in the store.
func (e *Engine) Flush(ctx context.Context) error { return e.journal.flush(ctx) }
