// Package benchrig builds the real engine stack — a store and task logs in
// one data dir, the local executor, the shell and noop ops and the real
// clock — for the engine's benchmarks and its peak-RSS probe, so that both
// measure the same thing. The caller opens the store (the SQLite one, in
// both), so that only the composition root and tests import it.
package benchrig

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/engine/local"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// Store is the engine's store, which the rig closes when it is done.
type Store interface {
	engine.Store
	Close() error
}

// OpenFunc opens (creating if needed) the store in the file at path.
type OpenFunc func(ctx context.Context, path string) (Store, error)

// Options configure a Rig.
type Options struct {
	// Dir is the data dir: meshflow.db and logs/ are made in it.
	Dir string
	// Open opens the database.
	Open OpenFunc
	// Parallelism is the engine's default pool and the executor's workers;
	// 0 takes the engine's default.
	Parallelism int
	// Shell replaces ops.Shell{}, e.g. to time when a try begins.
	Shell ops.Op
}

// Rig is a running engine over a data dir.
type Rig struct {
	Engine   *engine.Engine
	Store    Store
	Registry *ops.Registry

	cancel context.CancelFunc
	done   chan error
}

// DBFile is the database's name inside the data dir.
const DBFile = "meshflow.db"

// Start opens the store in o.Dir and runs an engine over it until Close.
func Start(ctx context.Context, o Options) (*Rig, error) {
	st, err := o.Open(ctx, filepath.Join(o.Dir, DBFile))
	if err != nil {
		return nil, err
	}
	shell := o.Shell
	if shell == nil {
		shell = ops.Shell{}
	}
	r := &Rig{Store: st, Registry: ops.NewRegistry(shell, ops.Noop{}), done: make(chan error, 1)}
	logs := tasklog.Dir(filepath.Join(o.Dir, "logs"))
	r.Engine = engine.New(engine.Options{
		Store: st, Parallelism: o.Parallelism,
		NewExecutor: func(reports chan<- engine.Report) engine.Executor {
			return local.New(local.Options{Workers: o.Parallelism, Ops: r.Registry, Logs: logs, Reports: reports, OutputLimit: 64 << 10})
		},
	})
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r.cancel = cancel
	go func() { r.done <- r.Engine.Run(runCtx) }()
	return r, nil
}

// Close stops the engine and the executor and closes the store, which
// checkpoints the write-ahead log into the database file.
func (r *Rig) Close() error {
	r.cancel()
	err := <-r.done
	return errors.Join(err, r.Store.Close())
}

// Load parses and validates a DAG against the rig's ops.
func (r *Rig) Load(src []byte) (*dag.DAG, error) { return dag.Load("bench.yaml", src, r.Registry) }

// Run triggers a run of d and waits until its outcome is committed; a run
// that does not succeed is an error.
func (r *Rig) Run(ctx context.Context, d *dag.DAG, src []byte) (model.Run, error) {
	run, err := r.Engine.Trigger(ctx, Request(d, src))
	if err != nil {
		return run, err
	}
	run, err = r.Engine.Wait(ctx, run.ID)
	if err == nil && run.State != model.RunSuccess {
		err = fmt.Errorf("run %d ended %s: %s", run.ID, run.State, run.Error)
	}
	return run, err
}

// Request asks for a manual run of d with its default params.
func Request(d *dag.DAG, src []byte) engine.TriggerRequest {
	return engine.TriggerRequest{DAG: d, Source: src, Trigger: model.TriggerManual}
}

// Chain is a DAG of n tasks, each needing the one before it.
func Chain(name string, n int, task string) []byte {
	return tasks(name, n, task, true)
}

// Parallel is a DAG of n independent tasks.
func Parallel(name string, n int, task string) []byte {
	return tasks(name, n, task, false)
}

// True and Noop are task bodies for Chain and Parallel.
const (
	True = `op: shell, with: {command: "true"}`
	Noop = `op: noop`
)

// TaskID is the id of task i (0-based) in Chain and Parallel DAGs.
func TaskID(i int) string { return fmt.Sprintf("t%05d", i+1) }

func tasks(name string, n int, task string, chain bool) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\ntasks:\n", name)
	for i := range n {
		needs := ""
		if chain && i > 0 {
			needs = ", needs: [" + TaskID(i-1) + "]"
		}
		fmt.Fprintf(&b, "  - {id: %s, %s%s}\n", TaskID(i), task, needs)
	}
	return []byte(b.String())
}

// Usage is the space a directory tree takes: the sum of its files' sizes.
type Usage struct{ Bytes, Files int64 }

// DiskUsage measures dir.
func DiskUsage(dir string) (Usage, error) {
	var u Usage
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		u.Bytes += info.Size()
		u.Files++
		return nil
	})
	return u, err
}

// Prepare creates the database in dir with its schema, and closes it, so
// that what a benchmark adds to the directory can be told apart.
func Prepare(ctx context.Context, dir string, open OpenFunc) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	st, err := open(ctx, filepath.Join(dir, DBFile))
	if err != nil {
		return err
	}
	return st.Close()
}
