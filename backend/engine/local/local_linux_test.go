package local_test

import (
	"errors"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/engine/local"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// By the time the engine hears that a shell try started, its process is
// already on disk beside its log, so a crash before the journal commits
// the report still leaves it findable; once the try ends it is forgotten.
func TestStartedProcessIsOnDiskBeforeTheReport(t *testing.T) {
	logs := tasklog.Dir(t.TempDir())
	reports := make(chan engine.Report, 2) // room for both, so that a failing test does not block Close
	e := local.New(local.Options{Workers: 1, Ops: ops.NewRegistry(ops.Shell{}), Logs: logs, Reports: reports})
	defer e.Close()
	key := tasklog.Key{DAG: "d", RunID: 1, Task: "t", Try: 1}
	e.Submit(engine.Attempt{DAG: key.DAG, RunID: key.RunID, TaskID: key.Task, Try: key.Try, Op: "shell", Args: map[string]any{"command": "true"}})
	next := func() engine.Report {
		select {
		case rep := <-reports:
			return rep
		case <-time.After(30 * time.Second):
			t.Fatal("no report")
		}
		return engine.Report{}
	}
	rep := next()
	if !rep.Started || rep.Process.IsZero() {
		t.Fatalf("first report = %+v, want the start with its process", rep)
	}
	if p, err := logs.ReadProcess(key); err != nil || p != rep.Process {
		t.Fatalf("process on disk at the start report = %+v, %v; want %+v", p, err, rep.Process)
	}
	if rep = next(); rep.Started || rep.Err != "" {
		t.Fatalf("second report = %+v, want the try's success", rep)
	}
	if _, err := logs.ReadProcess(key); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("process still on disk after the try: %v", err)
	}
}
