package frontend_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/auth"
	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/frontend"
	"github.com/meshflow/meshflow/store"
)

// fixture is the UI over a real SQLite store and a real DAG folder in a
// temp dir; only the engine is replaced (see fakeWorkflows).
type fixture struct {
	handler http.Handler // as a signed-in browser sees it (see signedIn)
	raw     http.Handler // the handler itself: requests carry no session
	auth    *auth.Auth   // the real sign-in, over the temp dir's store
	store   *store.Store
	flows   *fakeWorkflows
	vars    *app.Variables // the real ones, sealing secrets under the temp dir's key
	logs    tasklog.Dir
	info    frontend.Info
}

// testDAGs are the DAG folder's files: a runnable DAG with a param of
// every type and a schedule, the fan-out example, a broken file, and a
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
schedule: "30 2 * * *"
timezone: Europe/Berlin
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
	flows := newFakeWorkflows(t, dags, st)
	info := frontend.Info{
		Version: "v9.8.7", Desktop: desktop, Addr: "127.0.0.1:8080", DataDir: dir,
		DBPath: st.Path(), DAGDir: dags, ConfigFile: filepath.Join(dir, "meshflow.yaml"),
		LogLevel: "INFO", StartedAt: time.Now().Add(-3 * time.Hour),
	}
	logs := tasklog.Dir(filepath.Join(dir, "logs"))
	vars := app.NewVariables(st, app.DataDir(dir))
	f := &fixture{store: st, flows: flows, vars: vars, logs: logs, info: info, auth: auth.New(st, clock.Real())}
	h := frontend.New(frontend.Options{
		Store: st, Installation: st, Workflows: flows, Control: flows, History: st, Variables: vars,
		Logs: logs, Info: info, CheckOrigin: !desktop, Sessions: f.sessions(desktop),
	})
	f.raw, f.handler = h, f.signedIn(t, h)
	return f
}

// fakeWorkflows stands in for app.Workflows: the DAG folder and the store
// are real, the engine is not. Triggers write a queued run straight to the
// store; actions on runs are recorded, and fail with refuse when it is set.
type fakeWorkflows struct {
	dir   *dagdir.Dir
	store *store.Store

	mu      sync.Mutex
	actions []string
	refuse  error
}

var (
	_ frontend.Workflows  = (*fakeWorkflows)(nil)
	_ frontend.RunControl = (*fakeWorkflows)(nil)
	_ frontend.RunHistory = (*store.Store)(nil)
)

func newFakeWorkflows(t testing.TB, path string, st *store.Store) *fakeWorkflows {
	t.Helper()
	d := dagdir.New(path, ops.NewRegistry(ops.Shell{}, ops.Noop{}))
	if _, err := d.Load(); err != nil {
		t.Fatal(err)
	}
	return &fakeWorkflows{dir: d, store: st}
}

func (f *fakeWorkflows) DAGs(ctx context.Context) ([]api.DAG, error) {
	var out []api.DAG
	for _, e := range f.dir.List() {
		d, err := f.describe(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (f *fakeWorkflows) DAG(ctx context.Context, name string) (api.DAG, error) {
	e, err := f.DAGEntry(name)
	if err != nil {
		return api.DAG{}, err
	}
	return f.describe(ctx, e)
}

// describe mirrors app.Workflows.describe, without a scheduler.
func (f *fakeWorkflows) describe(ctx context.Context, e *dagdir.Entry) (api.DAG, error) {
	d := api.DAG{Name: e.Name, File: e.File, Stale: e.Stale()}
	if e.Err != nil {
		d.Error = e.Err.Error()
	}
	if e.DAG != nil {
		d.Description, d.Tags, d.Schedule = e.DAG.Description, e.DAG.Tags, e.DAG.Schedule
	}
	st, _, err := f.store.DAGState(ctx, e.Name)
	d.Paused, d.NextRunAt = st.Paused, st.NextRunAt
	return d, err
}

func (f *fakeWorkflows) DAGEntry(name string) (*dagdir.Entry, error) {
	for _, e := range f.dir.List() {
		if e.Name == name {
			return e, nil
		}
	}
	return nil, fmt.Errorf("DAG %q: %w", name, api.ErrNotFound)
}

func (f *fakeWorkflows) Trigger(ctx context.Context, name string, params map[string]any, trigger model.Trigger) (model.Run, error) {
	e, err := f.dir.Get(name)
	if err != nil {
		return model.Run{}, fmt.Errorf("%w: %w", err, api.ErrNotFound)
	}
	resolved, err := engine.ResolveParams(e.DAG, params)
	if err != nil {
		return model.Run{}, fmt.Errorf("%w: %w", err, api.ErrInvalid)
	}
	now := time.Now()
	r := model.Run{DAG: name, State: model.RunQueued, Trigger: trigger, LogicalDate: now, Params: resolved, QueuedAt: now}
	tasks := make([]model.TaskRun, len(e.DAG.Tasks))
	for i, t := range e.DAG.Tasks {
		tasks[i] = model.TaskRun{TaskID: t.ID, State: model.TaskQueued, MaxTries: 1}
	}
	return r, f.store.CreateRun(ctx, &r, e.Source, tasks)
}

func (f *fakeWorkflows) SetPaused(ctx context.Context, name string, paused bool) error {
	if _, err := f.dir.Get(name); err != nil {
		return fmt.Errorf("%w: %w", err, api.ErrNotFound)
	}
	st, _, err := f.store.DAGState(ctx, name)
	if err != nil {
		return err
	}
	st.Paused = paused
	return f.store.SaveDAGState(ctx, name, st)
}

func (f *fakeWorkflows) RunDetail(ctx context.Context, id int64) (api.RunDetail, error) {
	r, err := f.store.Run(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.RunDetail{}, fmt.Errorf("run %d: %w", id, api.ErrNotFound)
	}
	if err != nil {
		return api.RunDetail{}, err
	}
	tasks, err := f.store.TaskRuns(ctx, id)
	if err != nil {
		return api.RunDetail{}, err
	}
	return api.RunDetail{Run: r, Tasks: f.inPlanOrder(r.DAG, tasks)}, nil
}

func (f *fakeWorkflows) inPlanOrder(name string, tasks []model.TaskRun) []model.TaskRun {
	e, err := f.dir.Get(name)
	if err != nil {
		return tasks
	}
	p, err := dag.NewPlan(e.DAG)
	if err != nil {
		return tasks
	}
	byID := map[string]model.TaskRun{}
	for _, t := range tasks {
		byID[t.TaskID] = t
	}
	out := make([]model.TaskRun, 0, len(tasks))
	for _, id := range p.Order() {
		if t, ok := byID[id]; ok {
			out = append(out, t)
		}
	}
	return out
}

func (f *fakeWorkflows) Control(ctx context.Context, id int64, action api.Action) error {
	return f.act(ctx, id, string(action))
}

func (f *fakeWorkflows) ClearTask(ctx context.Context, runID int64, taskID string, downstream bool) error {
	return f.act(ctx, runID, fmt.Sprintf("clear %s downstream=%t", taskID, downstream))
}

func (f *fakeWorkflows) MarkTask(ctx context.Context, runID int64, taskID string, state model.TaskState) error {
	return f.act(ctx, runID, "mark "+taskID+" "+string(state))
}

func (f *fakeWorkflows) act(ctx context.Context, runID int64, what string) error {
	if _, err := f.store.Run(ctx, runID); errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("run %d: %w", runID, api.ErrNotFound)
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
	e, err := fx.flows.dir.Get(dagName)
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
	b := store.Batch{Runs: []model.Run{r}}
	for i, task := range tasks {
		if st, ok := states[task.TaskID]; ok {
			task.RunID, task.State, task.Try = r.ID, st, 1
			task.StartedAt = start.Add(time.Duration(i) * time.Second)
			if st.Done() {
				task.EndedAt = task.StartedAt.Add(800 * time.Millisecond)
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
	path := fx.logs.Path(dagName, runID, task, try)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// storeFilter selects the runs of one DAG, or all with "".
func storeFilter(dagName string) store.RunFilter { return store.RunFilter{DAG: dagName, Limit: 1000} }

// auditWant is one audit event a test expects.
type auditWant struct {
	action, target string
	status         int
}

// wantAudit checks the audit log, newest event first.
func wantAudit(t *testing.T, f *fixture, want []auditWant) {
	t.Helper()
	events, err := f.store.AuditEvents(t.Context(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []auditWant
	for _, e := range events {
		got = append(got, auditWant{e.Action, e.Target, e.Status})
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
			if err := fx.store.SaveBatch(t.Context(), store.Batch{Tasks: []model.TaskRun{tr}}); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("run %d has no task %s", runID, task)
}
