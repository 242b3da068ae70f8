package engine

import (
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
)

// Router is an Executor that hands each attempt to the executor serving
// its task's queue: the default executor for queue "", one built per named
// queue for the others. An attempt for a queue nobody serves fails at once
// with a report that names the queue, rather than waiting for a worker
// that will never come; the engine then retries or fails it like any
// failed try. Ops whose spec says InProcess (trigger_dag, wait) need the
// engine beside them, so their attempts go to the default executor
// whatever their queue.
//
// Reports of the named queues' executors pass through the Router, which
// remembers who got each attempt until it ends, so that Cancel reaches
// that executor. The default executor reports straight to the engine.
type Router struct {
	def     Executor
	queues  map[string]Executor
	clock   clock.Clock
	ops     dag.Catalog
	reports chan<- Report
	relay   chan Report // the named queues' executors report here
	stop    chan struct{}
	done    chan struct{}

	mu    sync.Mutex
	owner map[taskKey]Executor // attempts out on a named queue
}

var (
	_ Executor      = (*Router)(nil)
	_ LeftoverEnder = (*Router)(nil)
	_ io.Closer     = (*Router)(nil)
)

// RouterOptions configure a Router. Default is required.
type RouterOptions struct {
	Default Executor
	// Queues builds the executor of each named queue, given the channel
	// its reports go to.
	Queues map[string]func(reports chan<- Report) Executor
	Clock  clock.Clock // nil: the real clock
	// Ops tells which ops say InProcess in their spec: their attempts go
	// to Default whatever their queue. Nil: none.
	Ops dag.Catalog
}

// NewRouter builds the queues' executors; reports is the engine's channel.
func NewRouter(reports chan<- Report, o RouterOptions) *Router {
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	r := &Router{
		def: o.Default, queues: map[string]Executor{}, clock: o.Clock, ops: o.Ops, reports: reports,
		relay: make(chan Report, 1024), stop: make(chan struct{}), done: make(chan struct{}),
		owner: map[taskKey]Executor{},
	}
	for name, build := range o.Queues {
		r.queues[name] = build(r.relay)
	}
	go r.forward()
	return r
}

// forward passes the named queues' reports on, forgetting the owner of an
// attempt that ended before the engine hears of it: the engine's next
// Submit of that task comes after, and must not find the old owner.
func (r *Router) forward() {
	defer close(r.done)
	for {
		select {
		case rep := <-r.relay:
			if !rep.Started {
				r.mu.Lock()
				delete(r.owner, taskKey{rep.RunID, rep.TaskID})
				r.mu.Unlock()
			}
			select {
			case r.reports <- rep:
			case <-r.stop:
				return
			}
		case <-r.stop:
			return
		}
	}
}

// Submit hands a to the executor of its queue.
func (r *Router) Submit(a Attempt) {
	if a.Queue == "" || r.inProcess(a.Op) {
		r.def.Submit(a)
		return
	}
	ex, ok := r.queues[a.Queue]
	if !ok {
		rep := Report{
			RunID: a.RunID, TaskID: a.TaskID, Try: a.Try, At: r.clock.Now(),
			Err: "no worker serves queue " + strconv.Quote(a.Queue) + ": start one for it, or remove queue from the task to run it here",
		}
		// The engine is the caller: report without waiting for it.
		go func() { r.reports <- rep }()
		return
	}
	r.mu.Lock()
	r.owner[taskKey{a.RunID, a.TaskID}] = ex
	r.mu.Unlock()
	ex.Submit(a)
}

// inProcess reports whether op needs the engine in this process.
func (r *Router) inProcess(op string) bool {
	if r.ops == nil {
		return false
	}
	spec, ok := r.ops.Op(op)
	return ok && spec.InProcess
}

// Cancel passes the cancel on to the executor that got the attempt.
func (r *Router) Cancel(runID int64, taskID string) {
	r.mu.Lock()
	ex, ok := r.owner[taskKey{runID, taskID}]
	r.mu.Unlock()
	if !ok {
		ex = r.def
	}
	ex.Cancel(runID, taskID)
}

// EndLeftover is the default executor's: tries are only recorded with a
// process by executors in this process.
func (r *Router) EndLeftover(ctx context.Context, l Leftover) ([]int, error) {
	if ender, ok := r.def.(LeftoverEnder); ok {
		return ender.EndLeftover(ctx, l)
	}
	if l.Process.IsZero() {
		return nil, nil // nothing recorded, nothing to end
	}
	return nil, errCannotEnd
}

// Close stops passing reports on and closes each executor that is an
// io.Closer.
func (r *Router) Close() error {
	close(r.stop)
	<-r.done
	var errs []error
	for _, ex := range append([]Executor{r.def}, slices.Collect(maps.Values(r.queues))...) {
		if c, ok := ex.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
