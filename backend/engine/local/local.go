// Package local runs task attempts in this process: a fixed set of worker
// goroutines over an in-memory queue, each attempt with its own context so it
// can be cancelled or timed out, and its log written to the task log dir.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// Executor runs attempts on worker goroutines.
type Executor struct {
	ops         *ops.Registry
	logs        tasklog.Dir
	reports     chan<- engine.Report
	clock       clock.Clock
	outputLimit int

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []engine.Attempt
	cancels map[key]context.CancelCauseFunc
	closed  bool
	wg      sync.WaitGroup
}

var (
	_ engine.Executor = (*Executor)(nil)
	_ io.Closer       = (*Executor)(nil)
)

type key struct {
	run  int64
	task string
}

// Options configure an Executor.
type Options struct {
	Workers     int // attempts running at once; 0: engine.DefaultParallelism
	Ops         *ops.Registry
	Logs        tasklog.Dir
	Reports     chan<- engine.Report
	Clock       clock.Clock // nil: the real clock
	OutputLimit int         // bytes of outputs per try
}

// errCancelled is the cause of a cancelled attempt's context.
var errCancelled = errors.New("cancelled")

// New starts the workers; Close stops them.
func New(o Options) *Executor {
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Workers <= 0 {
		o.Workers = engine.DefaultParallelism
	}
	e := &Executor{
		ops: o.Ops, logs: o.Logs, reports: o.Reports, clock: o.Clock, outputLimit: o.OutputLimit,
		cancels: map[key]context.CancelCauseFunc{},
	}
	e.cond = sync.NewCond(&e.mu)
	for range o.Workers {
		e.wg.Go(e.work)
	}
	return e
}

// Submit queues a; it never blocks.
func (e *Executor) Submit(a engine.Attempt) {
	e.mu.Lock()
	e.queue = append(e.queue, a)
	e.mu.Unlock()
	e.cond.Signal()
}

// Cancel stops the attempt of task in run, queued or running.
func (e *Executor) Cancel(runID int64, taskID string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := key{runID, taskID}
	if cancel, ok := e.cancels[k]; ok {
		cancel(errCancelled)
		return
	}
	for i, a := range e.queue {
		if a.RunID == runID && a.TaskID == taskID {
			e.queue = append(e.queue[:i], e.queue[i+1:]...)
			rep := engine.Report{RunID: runID, TaskID: taskID, Try: a.Try, At: e.clock.Now(), Cancelled: true, Err: "cancelled before it started"}
			// The engine may be the caller: report without waiting for it.
			go func() { e.reports <- rep }()
			return
		}
	}
}

// Close cancels running attempts, drops queued ones and waits for the
// workers to finish. The engine calls it when it stops.
func (e *Executor) Close() error {
	e.mu.Lock()
	e.closed = true
	e.queue = nil
	for _, cancel := range e.cancels {
		cancel(errors.New("meshflow is shutting down"))
	}
	e.mu.Unlock()
	e.cond.Broadcast()
	e.wg.Wait()
	return nil
}

func (e *Executor) work() {
	for {
		e.mu.Lock()
		for len(e.queue) == 0 && !e.closed {
			e.cond.Wait()
		}
		if e.closed {
			e.mu.Unlock()
			return
		}
		a := e.queue[0]
		e.queue = e.queue[1:]
		ctx, cancel := context.WithCancelCause(context.Background())
		e.cancels[key{a.RunID, a.TaskID}] = cancel
		e.mu.Unlock()

		rep := e.run(ctx, a)

		e.mu.Lock()
		delete(e.cancels, key{a.RunID, a.TaskID})
		e.mu.Unlock()
		cancel(nil)
		e.reports <- rep
	}
}

// tempDirUser is an op that works in Task.TempDir; only such ops get one.
// Making and removing a directory costs two metadata writes, 0.3 to 1 ms
// of kernel time on a small VM, which is more than a whole noop try.
type tempDirUser interface{ UsesTempDir() bool }

// removeDir removes a try's temp dir. Most tries leave it empty, and one
// rmdir is then enough, where RemoveAll would first try an unlink.
func removeDir(dir string) {
	if syscall.Rmdir(dir) != nil {
		_ = os.RemoveAll(dir)
	}
}

// run executes one attempt and describes how it ended.
func (e *Executor) run(ctx context.Context, a engine.Attempt) engine.Report {
	rep := engine.Report{RunID: a.RunID, TaskID: a.TaskID, Try: a.Try}
	key := tasklog.Key{DAG: a.DAG, RunID: a.RunID, Task: a.TaskID, Try: a.Try}
	// The process is on disk before it may work, and before the report
	// that the journal commits later: a meshflow killed in between still
	// finds it on the next start (see EndLeftover).
	started := func(p model.Process) error {
		if !p.IsZero() {
			if err := e.logs.WriteProcess(key, p); err != nil {
				return err
			}
		}
		e.reports <- engine.Report{RunID: a.RunID, TaskID: a.TaskID, Try: a.Try, Started: true, At: e.clock.Now(), Process: p}
		return nil
	}
	op, ok := e.ops.Get(a.Op)
	if !ok {
		_ = started(model.Process{})
		rep.At, rep.Err = e.clock.Now(), fmt.Sprintf("unknown op %q", a.Op)
		return rep
	}
	// An op that starts processes reports the start itself, with the
	// process, so that the running state is recorded together with it.
	_, startsProcess := op.(ops.ProcessEnder)
	if !startsProcess {
		_ = started(model.Process{})
	} else {
		defer e.logs.RemoveProcess(key) // the op ended its processes
	}
	if a.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, a.Timeout, fmt.Errorf("timed out after %s", a.Timeout))
		defer cancel()
	}
	var tmp string
	if u, ok := op.(tempDirUser); ok && u.UsesTempDir() {
		var err error
		if tmp, err = os.MkdirTemp("", "meshflow-task-"); err != nil {
			rep.At, rep.Err = e.clock.Now(), "create temp dir: "+err.Error()
			return rep
		}
		defer removeDir(tmp)
	}
	masker := tasklog.NewMasker(a.Secrets)
	log := e.logs.Create(key, masker)
	outputs, err := op.Run(ctx, &ops.Task{
		DAG: a.DAG, RunID: a.RunID, TaskID: a.TaskID, Try: a.Try, Args: a.Args,
		Log: log.Stdout(), Stderr: log.Stderr(), Env: a.Env, TempDir: tmp, OutputLimit: e.outputLimit, Secrets: masker, Started: started,
	})
	if cerr := log.Close(); cerr != nil && err == nil {
		err = cerr
	}
	rep.At, rep.Outputs = e.clock.Now(), outputs
	describeErr(ctx, err, &rep)
	if err != nil && !rep.Cancelled && !rep.TimedOut {
		rep.Err = withStderr(rep.Err, log.StderrTail(stderrInError))
	}
	maskReport(&rep, masker)
	return rep
}

// stderrInError is how many of its last stderr lines a failed try's error
// quotes, and stderrLineLen how much of each.
const (
	stderrInError = 5
	stderrLineLen = 240
)

// withStderr adds the end of a failed try's stderr to its error, so that
// "exit status 1" says why: the last lines a program writes before it
// fails are nearly always its reason.
func withStderr(msg string, tail []string) string {
	if len(tail) == 0 {
		return msg
	}
	var b strings.Builder
	b.WriteString(msg)
	b.WriteString(model.StderrMark)
	for _, line := range tail {
		line = strings.TrimRight(line, "\r")
		if len(line) > stderrLineLen {
			cut := stderrLineLen
			for cut > 0 && !utf8.RuneStart(line[cut]) {
				cut--
			}
			line = line[:cut] + "…"
		}
		b.WriteString("\n")
		b.WriteString(line)
	}
	return b.String()
}

// maskReport masks secrets in what leaves the try besides its log, with
// the log's masker: the error (an HTTP client error quotes the URL, query
// and all) and the outputs.
func maskReport(rep *engine.Report, m *tasklog.Masker) {
	rep.Err = m.String(rep.Err)
	rep.Outputs = m.Map(rep.Outputs)
}

// describeErr fills in how an attempt failed, if it did.
func describeErr(ctx context.Context, err error, rep *engine.Report) {
	if err == nil {
		return
	}
	rep.Outputs = nil
	rep.Err = err.Error()
	var exit *ops.ExitError
	if errors.As(err, &exit) {
		rep.ExitCode = &exit.Code
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errCancelled):
		rep.Cancelled, rep.Err = true, "cancelled"
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		rep.TimedOut, rep.Err = true, cause.Error()
	case ctx.Err() != nil:
		rep.Cancelled, rep.Err = true, cause.Error()
	}
}
