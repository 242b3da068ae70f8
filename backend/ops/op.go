// Package ops holds the kinds of task a DAG can run — shell, http,
// trigger_dag, wait, noop, and later the VM, storage and SSH ops. Each op
// lives in its own file, declares its arguments and outputs as a
// dag.OpSpec, and is registered explicitly by the app.
package ops

import (
	"context"
	"errors"
	"io"
	"slices"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// Op is one kind of task.
type Op interface {
	Spec() dag.OpSpec
	// Run executes one try. It returns the task's outputs, or an error that
	// says what went wrong; the engine decides about retries. Run must
	// return promptly once ctx is done (cancel, timeout, shutdown).
	Run(ctx context.Context, t *Task) (map[string]string, error)
}

// Task is what an op gets to work with for one try.
type Task struct {
	DAG    string
	RunID  int64
	TaskID string
	Try    int
	Args   map[string]any // the task's `with`, templates already rendered
	Log    io.Writer      // the try's log (stdout); secrets are masked on the way in
	// Stderr is the try's error output, kept in the same log but marked
	// as stderr; nil: Log. Ops that start processes give it their stderr.
	Stderr io.Writer
	// Env is added to the environment of processes the op starts:
	// MESHFLOW_DAG, MESHFLOW_RUN_ID, MESHFLOW_TASK, MESHFLOW_TRY and the
	// run's parameters as MESHFLOW_PARAM_<NAME>.
	Env []string
	// TempDir is a private scratch directory for this try, removed after
	// it. Creating one costs a fraction of a millisecond, so only ops that
	// declare `UsesTempDir() bool` returning true get one; for others it
	// is empty.
	TempDir string
	// OutputLimit caps the bytes of outputs a try may return.
	OutputLimit int
	// Secrets knows every secret of the run (nil: none). Log, errors and
	// outputs are masked with it by the executor; an op that passes text
	// anywhere else — a child run's params — checks it holds none.
	Secrets *tasklog.Masker

	// Started, if set, is called by an op that implements ProcessEnder as
	// soon as the process doing the try's work runs, with what identifies
	// it; the executor reports the try started then, so that the record of
	// a running try names its process. Zero on systems where it cannot be
	// found again. The process does none of the try's work before Started
	// returns, so the record can be made durable first; an error ends the
	// process unrun and fails the try.
	Started func(model.Process) error
}

// started tells the executor that t's process runs.
func (t *Task) started(p model.Process) error {
	if t.Started != nil {
		return t.Started(p)
	}
	return nil
}

// ProcessEnder is an op whose tries run processes that can outlive a
// meshflow that crashed. Before such a try is retried after a restart, the
// executor asks the op to end what it left running.
type ProcessEnder interface {
	// EndLeftover ends the processes of p that still run and returns their
	// pids. A process is only signalled once it is certain to be the try's:
	// marks are environment entries (KEY=VALUE) each process of the try
	// inherited. An error means they may still run: the try must not be
	// retried on top of them.
	EndLeftover(ctx context.Context, p model.Process, marks []string) ([]int, error)
}

// ErrExit is wrapped by errors from ops whose process exited non-zero; use
// errors.As with *ExitError to get the code.
var ErrExit = errors.New("exited with a non-zero status")

// ExitError reports a process's exit status.
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return "exit status " + itoa(e.Code) }
func (e *ExitError) Unwrap() error { return ErrExit }

// Registry is the set of ops a meshflow instance knows. It satisfies
// dag.Catalog for validation.
type Registry struct{ ops map[string]Op }

var _ dag.Catalog = (*Registry)(nil)

// NewRegistry registers ops by their spec names; a duplicate name panics,
// since that is a wiring mistake caught at start.
func NewRegistry(ops ...Op) *Registry {
	r := &Registry{ops: map[string]Op{}}
	for _, op := range ops {
		name := op.Spec().Name
		if _, dup := r.ops[name]; dup {
			panic("ops: duplicate op " + name)
		}
		r.ops[name] = op
	}
	return r
}

// Get returns the op called name.
func (r *Registry) Get(name string) (Op, bool) {
	op, ok := r.ops[name]
	return op, ok
}

// Op returns the spec of the op called name.
func (r *Registry) Op(name string) (dag.OpSpec, bool) {
	op, ok := r.ops[name]
	if !ok {
		return dag.OpSpec{}, false
	}
	return op.Spec(), true
}

// Names lists the registered ops, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.ops))
	for n := range r.ops {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ErrOut is where the try's error output goes: Stderr, or Log without one.
func (t *Task) ErrOut() io.Writer {
	if t.Stderr != nil {
		return t.Stderr
	}
	return t.Log
}
