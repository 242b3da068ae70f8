package frontend_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/auth"
	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/cloud/hosts"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/scheduler"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/backend/vault"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend"
	"github.com/meshflow/meshflow/internal/syncbuf"
	"github.com/meshflow/meshflow/store"
)

// fixture is the UI over the real workflow service, a real SQLite store
// and a real DAG folder in a temp dir; only the engine is replaced, behind
// the service's Engine interface (see fakeEngine).
type fixture struct {
	handler http.Handler // as a signed-in browser sees it (see signedIn)
	raw     http.Handler // the handler itself: requests carry no session
	auth    *auth.Auth   // the real sign-in, over the temp dir's store
	store   *store.Store
	flows   *workflow.Service
	folder  *dagdir.Dir
	engine  *fakeEngine
	vars    *workflow.Variables  // the real ones, sealing secrets under the temp dir's key
	conns   *connections.Service // the real ones, over testProvider
	logs    tasklog.Dir
	info    frontend.Info
	skew    atomic.Int64    // nanoseconds the handler's clock runs ahead of the real one
	log     *syncbuf.Buffer // what the handler logged

	inventory *cloud.Inventory // over the store, with clouds' connections
	clouds    *fixtureClouds
}

// testDAGs are the DAG folder's files: a runnable DAG with a param of
// every type, a scheduled one, the fan-out example, a broken file, and a
// file that is not YAML (which the folder ignores).
var testDAGs = map[string]string{
	"hello.yaml": `# hello: fan-out and fan-in
name: hello
description: Fan-out and fan-in of shell tasks.
tags: [example]
params:
  who:
    type: string
    default: world
    description: Who to greet.
tasks:
  - id: greet
    op: shell
    with:
      command: |
        echo "hello, {{ .params.who }}" # not a comment
  - id: count_a
    op: noop
    needs: [greet]
  - id: count_b
    op: noop
    needs: [greet]
  - id: sum
    op: noop
    needs: [count_a, count_b]
`,
	"nightly.yml": `name: nightly
description: Builds the nightly report.
tags: [reports, nightly]
params:
  count:
    type: int
    default: 3
  dry_run:
    type: bool
    default: true
  env:
    type: enum
    values: [dev, prod]
    default: dev
  hosts:
    type: list
    default: [a, b]
  ticket:
    type: string
    required: true
    description: The change ticket.
tasks:
  - id: extract
    op: noop
  - id: load
    op: noop
    needs: [extract]
`,
	"report.yml": `name: report
description: Sends the report built by nightly.
schedule: "30 2 * * *"
timezone: Europe/Berlin
tasks:
  - id: send
    op: noop
`,
	"broken.yaml": `name: broken
tasks:
  - id: a
    op: shel
`,
	"notes.txt": "not a DAG\n",
}

func newFixture(t *testing.T, desktop bool) *fixture { return newFixtureTB(t, desktop) }

func newFixtureTB(t testing.TB, desktop bool) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dags := filepath.Join(dir, "dags")
	if err := os.Mkdir(dags, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, src := range testDAGs {
		if err := os.WriteFile(filepath.Join(dags, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	svc := workflow.New(workflow.Options{Store: st})
	folder := dagdir.New(dags, ops.NewRegistry(ops.Shell{}, ops.Noop{}))
	if _, err := folder.Load(); err != nil {
		t.Fatal(err)
	}
	eng := &fakeEngine{store: st}
	sched := scheduler.New(clock.Real(), workflow.ScheduleStates(st), svc, nil)
	svc.Connect(folder, eng, sched)
	info := frontend.Info{
		Version: "v9.8.7", Desktop: desktop, Addr: "127.0.0.1:8080", DataDir: dir,
		DBPath: st.Path(), DAGDir: dags, ConfigFile: filepath.Join(dir, "meshflow.yaml"),
		LogLevel: "INFO", StartedAt: time.Now().Add(-3 * time.Hour),
	}
	logs := tasklog.Dir(filepath.Join(dir, "logs"))
	vars := workflow.NewVariables(st, vault.NewKeys(dir, st, vault.KeyOptions{}))
	conns := connections.New(st, vault.NewKeys(dir, st, vault.KeyOptions{}), openTestProvider)
	f := &fixture{store: st, flows: svc, folder: folder, engine: eng, vars: vars, conns: conns, logs: logs, info: info, auth: auth.New(st, clock.Real()), log: &syncbuf.Buffer{}}
	f.clouds = &fixtureClouds{}
	f.inventory = cloud.NewInventory(st, f.clouds, cloud.Options{User: "ann"})
	prices, err := cloud.LoadPrices(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	h := frontend.New(frontend.Options{
		Store: st, Installation: st, Workflows: svc, Control: svc, History: svc, Variables: vars,
		Connections: conns, ConnectionEdits: conns, Inventory: f.inventory, Prices: prices,
		ImportFrom: connections.Places{Home: filepath.Join(dir, "home"), Getenv: func(string) string { return "" }},
		Logs:       logs, Info: info, CheckOrigin: !desktop, Sessions: f.sessions(desktop),
		Now:    func() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) },
		Logger: slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	f.raw, f.handler = h, f.signedIn(t, h)
	return f
}

// fixtureClouds are the connections of the fixture's inventory, named by
// connection: static SSH hosts, and clouds' adapters over their fakes
// (see addEC2).
type fixtureClouds struct {
	mu     sync.Mutex
	hosts  map[string][]model.SSHHost
	clouds map[string]cloud.Provider
	// defaults are the clouds' VM defaults, as the app's connections
	// give them to its inventory.
	defaults map[string]map[string]string
}

func (c *fixtureClouds) Defaults(_ context.Context, name string) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.defaults[name], nil
}

func (c *fixtureClouds) Active(context.Context) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Sorted(maps.Keys(c.hosts)), nil
}

func (c *fixtureClouds) Open(_ context.Context, name string) (cloud.Provider, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.clouds[name]; ok {
		return p, nil
	}
	return hosts.New(hosts.Config{Connection: name, Hosts: c.hosts[name]}), nil
}

// fakeEngine stands in for the engine behind the workflow service: runs
// are recorded in the real store but never executed. Triggers write a
// queued run; actions on runs are recorded; triggers and actions fail
// with refuse when it is set. Everything else — DAG lookups, params, errors, run details — is
// the real service's.
type fakeEngine struct {
	store *store.Store

	mu      sync.Mutex
	actions []string
	refuse  error
}

var _ workflow.Engine = (*fakeEngine)(nil)

func (f *fakeEngine) Trigger(ctx context.Context, req engine.TriggerRequest) (model.Run, error) {
	f.mu.Lock()
	refuse := f.refuse
	f.mu.Unlock()
	if refuse != nil {
		return model.Run{}, refuse
	}
	resolved, err := dag.ResolveParams(req.DAG, req.Params)
	if err != nil {
		return model.Run{}, model.Errorf(model.ErrInvalid, "%w", err)
	}
	now := time.Now()
	r := model.Run{DAG: req.DAG.Name, State: model.RunQueued, Trigger: req.Trigger, LogicalDate: now, Params: resolved, QueuedAt: now}
	tasks := make([]model.TaskRun, len(req.DAG.Tasks))
	for i, t := range req.DAG.Tasks {
		tasks[i] = model.TaskRun{TaskID: t.ID, State: model.TaskQueued, MaxTries: 1}
	}
	return r, f.store.CreateRun(ctx, &r, req.Source, tasks)
}

func (f *fakeEngine) Wait(ctx context.Context, id int64) (model.Run, error) {
	return f.store.Run(ctx, id)
}

// WaitChild is Wait: the fake queues nothing.
func (f *fakeEngine) WaitChild(ctx context.Context, id int64) (model.Run, error) {
	return f.Wait(ctx, id)
}

func (f *fakeEngine) Cancel(ctx context.Context, id int64) error { return f.act(ctx, id, "cancel") }

func (f *fakeEngine) Retry(ctx context.Context, id int64, failedOnly bool) error {
	if failedOnly {
		return f.act(ctx, id, "retry-failed")
	}
	return f.act(ctx, id, "retry")
}

func (f *fakeEngine) Clear(ctx context.Context, runID int64, taskIDs []string, downstream bool) error {
	return f.act(ctx, runID, fmt.Sprintf("clear %s downstream=%t", strings.Join(taskIDs, ","), downstream))
}

func (f *fakeEngine) Mark(ctx context.Context, runID int64, taskID string, state model.TaskState) error {
	return f.act(ctx, runID, "mark "+taskID+" "+string(state))
}

func (f *fakeEngine) act(ctx context.Context, runID int64, what string) error {
	if _, err := f.store.Run(ctx, runID); errors.Is(err, model.ErrNotFound) {
		return model.Errorf(model.ErrNotFound, "run %d", runID)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refuse != nil {
		return f.refuse
	}
	f.actions = append(f.actions, fmt.Sprintf("run %d: %s", runID, what))
	return nil
}

// addRun records a run of dagName whose tasks are in the given states
// (tasks not named stay queued), with times starting at start.
func (fx *fixture) addRun(t testing.TB, dagName string, state model.RunState, start time.Time, states map[string]model.TaskState) int64 {
	t.Helper()
	ctx := t.Context()
	e, err := fx.folder.Get(dagName)
	if err != nil {
		t.Fatal(err)
	}
	r := model.Run{
		DAG: dagName, State: model.RunQueued, Trigger: model.TriggerManual, LogicalDate: start,
		Params: map[string]any{"who": "tester"}, QueuedAt: start,
	}
	var tasks []model.TaskRun
	for _, task := range e.DAG.Tasks {
		tasks = append(tasks, model.TaskRun{TaskID: task.ID, State: model.TaskQueued, MaxTries: 2})
	}
	if err := fx.store.CreateRun(ctx, &r, e.Source, tasks); err != nil {
		t.Fatal(err)
	}
	r.State, r.StartedAt = state, start
	if state.Done() {
		r.EndedAt = start.Add(time.Duration(len(tasks)) * time.Second)
	}
	b := model.Batch{Runs: []model.Run{r}}
	for i, task := range tasks {
		if st, ok := states[task.TaskID]; ok {
			task.RunID, task.State, task.Try = r.ID, st, 1
			task.StartedAt = start.Add(time.Duration(i) * time.Second)
			if st.Done() {
				task.EndedAt = task.StartedAt.Add(800 * time.Millisecond)
				b.Tries = append(b.Tries, task) // as the engine keeps a finished try
			}
			b.Tasks = append(b.Tasks, task)
		}
	}
	if err := fx.store.SaveBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// writeLog writes the log of one try as the executor would.
func (fx *fixture) writeLog(t testing.TB, dagName string, runID int64, task string, try int, text string) {
	t.Helper()
	w := fx.logs.Create(tasklog.Key{DAG: dagName, RunID: runID, Task: task, Try: try}, nil)
	if _, err := w.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// storeFilter selects the runs of one DAG, or all with "".
func storeFilter(dagName string) model.RunFilter { return model.RunFilter{DAG: dagName, Limit: 1000} }

// auditWant is one audit event a test expects: its target as a person
// reads it ("run 1", "dag hello"), its outcome, and its reason unless
// reason is empty.
type auditWant struct {
	action, target string
	outcome        model.Outcome
	reason         string
}

// wantAudit checks the audit log, newest event first.
func wantAudit(t *testing.T, f *fixture, want []auditWant) {
	t.Helper()
	events, err := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []auditWant
	for i, e := range events {
		reason := ""
		if i < len(want) && want[i].reason != "" {
			reason = e.Reason
		}
		got = append(got, auditWant{e.Action, e.Target.String(), e.Outcome, reason})
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit log:\n got %v\nwant %v", got, want)
	}
}

// setTry records that a task of a run is on its try-th try.
func (fx *fixture) setTry(t testing.TB, runID int64, task string, try int) {
	t.Helper()
	tasks, err := fx.store.TaskRuns(t.Context(), runID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range tasks {
		if tr.TaskID == task {
			tr.Try = try
			if err := fx.store.SaveBatch(t.Context(), model.Batch{Tasks: []model.TaskRun{tr}}); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("run %d has no task %s", runID, task)
}
