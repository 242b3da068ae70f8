package engine_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/engine/local"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/store"
)

// The canaries must never show up, whole or in part, in any byte a run
// leaves on disk. The second has characters a URL must percent-encode.
const (
	canary      = "CANARY-7f3a9"
	canaryNonUS = "CANARY-ü✓-7f3a9"
)

// secretRig is an engine over a real store with the shell and http ops and
// a fake secret store. The database and the task logs share one folder, so
// scanning it covers every byte the runs left behind.
type secretRig struct {
	engine   *engine.Engine
	store    *store.Store
	dir      string
	secrets  map[string]string
	children childRuns
	stop     func() // stops the engine and its executor
	// tweak, if set, changes the engine's options before it starts.
	tweak func(*engine.Options)
}

// childRuns records the runs trigger_dag would start.
type childRuns struct {
	mu     sync.Mutex
	params []map[string]any
}

func (c *childRuns) TriggerChild(_ context.Context, _ int64, _ string, params map[string]any) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.params = append(c.params, params)
	return int64(len(c.params)), nil
}

func (c *childRuns) WaitRun(context.Context, int64) (string, error) { return "success", nil }

func newSecretRig(t *testing.T, secrets map[string]string) *secretRig {
	t.Helper()
	return newSecretRigWith(t, secrets, nil)
}

func newSecretRigWith(t *testing.T, secrets map[string]string, tweak func(*engine.Options)) *secretRig {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &secretRig{dir: dir, store: st, secrets: secrets, tweak: tweak}
	r.start(t)
	return r
}

// start runs an engine over the rig's store, as `serve` does after a
// restart: it recovers the runs the previous one left.
func (r *secretRig) start(t *testing.T) {
	t.Helper()
	reg := ops.NewRegistry(ops.Shell{}, ops.HTTP{}, ops.Noop{}, ops.TriggerDAG{Runs: &r.children})
	opts := engine.Options{
		Store: r.store,
		NewExecutor: func(reports chan<- engine.Report) engine.Executor {
			return local.New(local.Options{Workers: 4, Ops: reg, Logs: tasklog.Dir(filepath.Join(r.dir, "logs")), Reports: reports, OutputLimit: 4096})
		},
		// Like the app's: a missing secret's error names what was asked for.
		Secret: func(name string) (string, error) {
			if v, ok := r.secrets[name]; ok {
				return v, nil
			}
			return "", fmt.Errorf("no secret %s: set it with 'meshflow var set %s --secret'", name, name)
		},
	}
	if r.tweak != nil {
		r.tweak(&opts)
	}
	e := engine.New(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	var once sync.Once
	r.engine, r.stop = e, func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("engine: %v", err)
			}
		})
	}
	t.Cleanup(r.stop)
}

// run triggers src and waits for it.
func (r *secretRig) run(t *testing.T, src string) (model.Run, map[string]model.TaskRun) {
	t.Helper()
	return r.wait(t, r.trigger(t, src))
}

// trigger starts a run of src. The DAG is parsed but not validated:
// validation refuses a secret name computed from a secret, but runs made
// before it did are still recovered and resumed by the engine.
func (r *secretRig) trigger(t *testing.T, src string) int64 {
	t.Helper()
	d, err := dag.Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	run, err := r.engine.Trigger(t.Context(), engine.TriggerRequest{DAG: d, Source: []byte(src), Trigger: model.TriggerManual})
	if err != nil {
		t.Fatal(err)
	}
	return run.ID
}

// wait waits for a run to end and returns it and its stored tasks.
func (r *secretRig) wait(t *testing.T, id int64) (model.Run, map[string]model.TaskRun) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	run, err := r.engine.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.engine.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return run, r.tasks(t, id)
}

func (r *secretRig) tasks(t *testing.T, id int64) map[string]model.TaskRun {
	t.Helper()
	rows, err := r.store.TaskRuns(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	tasks := map[string]model.TaskRun{}
	for _, row := range rows {
		tasks[row.TaskID] = row
	}
	return tasks
}

// log reads the log of a task's first try.
func (r *secretRig) log(t *testing.T, run model.Run, task string) string {
	t.Helper()
	return r.tryLog(t, run, task, 1)
}

func (r *secretRig) tryLog(t *testing.T, run model.Run, task string, try int) string {
	t.Helper()
	var b strings.Builder
	if err := tasklog.Dir(filepath.Join(r.dir, "logs")).CopyText(&b, tasklog.Key{DAG: run.DAG, RunID: run.ID, Task: task, Try: try}, false, nil); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// assertNoLeak scans the raw bytes of every file under the rig's folder —
// task logs, meshflow.db and its WAL, while the store is still open — for
// any 6-byte piece of the secret, plain or in the forms an URL or a quoted
// message gives it.
func (r *secretRig) assertNoLeak(t *testing.T, secret string) {
	t.Helper()
	inner := strconv.Quote(secret)
	forms := []string{secret, url.PathEscape(secret), url.QueryEscape(secret), inner[1 : len(inner)-1]}
	scanned := 0
	err := filepath.WalkDir(r.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned++
		for _, f := range forms {
			for i := 0; i+6 <= len(f); i++ {
				if at := bytes.Index(data, []byte(f[i:i+6])); at >= 0 {
					t.Errorf("%s leaks %q of the secret: …%q…", path, f[i:i+6], data[max(at-40, 0):min(at+40, len(data))])
					return nil
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 3 { // the database, its WAL and at least one task log
		t.Fatalf("scanned only %d files under %s", scanned, r.dir)
	}
}

func TestSecretNameComputedFromASecretDoesNotLeak(t *testing.T) {
	r := newSecretRig(t, map[string]string{"canary": canary})
	run, tasks := r.run(t, `
name: computed
tasks:
  - {id: say, op: shell, with: {command: 'echo {{ secret (secret "canary") }}'}}
  - {id: cond, op: shell, when: '{{ secret (secret "canary") }}', with: {command: 'echo hi'}}
  - {id: talk, op: shell, with: {command: 'echo {{ secret "canary" }}'}}
`)
	if run.State != model.RunFailed {
		t.Fatalf("run = %s, want failed", run.State)
	}
	for _, id := range []string{"say", "cond"} {
		// Still says what went wrong, without the value.
		if e := tasks[id].Error; !strings.Contains(e, "no secret "+tasklog.Mask+": set it with") {
			t.Errorf("%s's error = %q, want the missing secret masked", id, e)
		}
	}
	if log := r.log(t, run, "talk"); log != tasklog.Mask+"\n" {
		t.Errorf("talk's log = %q, want the secret masked", log)
	}
	r.assertNoLeak(t, canary)
}

func TestShortSecretInsideALongOneDoesNotUnmaskIt(t *testing.T) {
	r := newSecretRig(t, map[string]string{"s": "a", "c": canary})
	run, tasks := r.run(t, `
name: overlap
tasks:
  - {id: say, op: shell, with: {command: 'echo {{ secret "s" }} {{ secret "c" }}; echo "v={{ secret "c" }}" > "$MESHFLOW_OUTPUT"'}}
`)
	if run.State != model.RunSuccess {
		t.Fatalf("run = %s (%s)", run.State, run.Error)
	}
	if log := r.log(t, run, "say"); log != tasklog.Mask+" "+tasklog.Mask+"\n" {
		t.Errorf("log = %q, want both secrets masked whole", log)
	}
	if v := tasks["say"].Outputs["v"]; v != tasklog.Mask {
		t.Errorf("output v = %q, want it masked whole", v)
	}
	r.assertNoLeak(t, canary)
}

func TestSecretInAnHTTPURLIsMaskedInItsEncodedForms(t *testing.T) {
	// The server fails, echoing the request line as received: percent-encoded.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		http.Error(w, "no such item: "+req.URL.RequestURI(), http.StatusNotFound)
	}))
	defer srv.Close()
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // its address now refuses connections; the client error quotes the URL
	r := newSecretRig(t, map[string]string{"c": canaryNonUS})
	run, tasks := r.run(t, fmt.Sprintf(`
name: web
tasks:
  - {id: fails, op: http, with: {url: '%s/items/{{ secret "c" }}?key={{ secret "c" | urlquery }}'}}
  - {id: refused, op: http, with: {url: '%s/items/{{ secret "c" }}'}}
`, srv.URL, gone.URL))
	if run.State != model.RunFailed {
		t.Fatalf("run = %s, want failed", run.State)
	}
	if log := r.log(t, run, "fails"); !strings.Contains(log, "/items/"+tasklog.Mask+"?key="+tasklog.Mask) || !strings.Contains(log, "404") {
		t.Errorf("fails's log = %q, want the request line with the secret masked and the status", log)
	}
	if e := tasks["refused"].Error; !strings.Contains(e, "/items/"+tasklog.Mask) {
		t.Errorf("refused's error = %q, want the URL with the secret masked", e)
	}
	r.assertNoLeak(t, canaryNonUS)
}

func TestSecretAnUpstreamTaskWroteIsMaskedDownstream(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token") // the user's file, outside the scanned folder
	r := newSecretRig(t, map[string]string{"c": canary})
	run, tasks := r.run(t, fmt.Sprintf(`
name: relay
tasks:
  - {id: write, op: shell, with: {command: 'printf %%s {{ secret "c" | quote }} > %[1]s'}}
  - {id: read, op: shell, needs: [write], with: {command: 'cat %[1]s; echo; echo "v=$(cat %[1]s)" > "$MESHFLOW_OUTPUT"; cat %[1]s >&2'}}
`, file))
	if run.State != model.RunSuccess {
		t.Fatalf("run = %s (%s)", run.State, run.Error)
	}
	if log := r.log(t, run, "read"); log != tasklog.Mask+"\n"+tasklog.Mask+"\n" {
		t.Errorf("read's log = %q, want the secret masked", log)
	}
	if v := tasks["read"].Outputs["v"]; v != tasklog.Mask {
		t.Errorf("read's output v = %q, want it masked", v)
	}
	r.assertNoLeak(t, canary)
}

// A child run's params are stored and shown in the clear, so trigger_dag
// refuses to pass a secret in them, even one its own templates did not use.
func TestSecretIsNotPassedToAChildRun(t *testing.T) {
	r := newSecretRig(t, map[string]string{"c": canary})
	run, tasks := r.run(t, `
name: parent
tasks:
  - {id: use, op: shell, with: {command: 'echo "v={{ secret "c" }}" > "$MESHFLOW_OUTPUT"; echo {{ secret "c" }}'}}
  - {id: child, op: trigger_dag, needs: [use], with: {dag: other, params: {token: '{{ .tasks.use.outputs.v }}', raw: '{{ secret "c" }}'}}}
`)
	if run.State != model.RunFailed || !strings.Contains(tasks["child"].Error, "with.params.raw holds a secret") {
		t.Fatalf("run = %s, child's error = %q; want it refused", run.State, tasks["child"].Error)
	}
	if len(r.children.params) != 0 {
		t.Errorf("a child run was started with params %v", r.children.params)
	}
	r.assertNoLeak(t, canary)
}

// After a restart the run's secrets are resolved again before its tasks
// resume, although the tasks that used them ran in the previous process.
func TestSecretsAreMaskedInARunResumedAfterARestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	r := newSecretRig(t, map[string]string{"c": canary})
	id := r.trigger(t, fmt.Sprintf(`
name: resumed
tasks:
  - {id: write, op: shell, with: {command: 'printf %%s {{ secret "c" | quote }} > %[1]s'}}
  - {id: slow, op: shell, needs: [write], retries: 1, with: {command: 'if [ "$MESHFLOW_TRY" = 1 ]; then sleep 30; fi'}}
  - {id: read, op: shell, needs: [slow], with: {command: 'cat %[1]s'}}
`, file))
	eventually(t, "slow to run", func() bool { return r.tasks(t, id)["slow"].State == model.TaskRunning })
	r.stop()
	r.start(t)
	run, tasks := r.wait(t, id)
	if run.State != model.RunSuccess || tasks["slow"].Try != 2 {
		t.Fatalf("run = %s (%s), slow's try = %d; want success on try 2", run.State, run.Error, tasks["slow"].Try)
	}
	if log := r.log(t, run, "read"); log != tasklog.Mask+"\n" {
		t.Errorf("read's log = %q, want the secret masked", log)
	}
	r.assertNoLeak(t, canary)
}

// A secret resolved while a try runs is not in the set that try was given;
// the engine masks what it records with the run's whole set, so the try's
// outputs still reach the store masked. Only a name the DAG does not write
// as a literal is resolved that late.
func TestSecretResolvedDuringATryIsMaskedInItsOutputs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "token")
	r := newSecretRig(t, map[string]string{"c": canary})
	run, tasks := r.run(t, fmt.Sprintf(`
name: late
tasks:
  - {id: waits, op: shell, with: {command: 'while [ ! -s %[1]s ]; do sleep 0.01; done; echo "v=$(cat %[1]s)" > "$MESHFLOW_OUTPUT"'}}
  - {id: late, op: shell, with: {command: 'printf %%s {{ secret (printf "%%s" "c") | quote }} > %[1]s'}}
`, file))
	if run.State != model.RunSuccess {
		t.Fatalf("run = %s (%s)", run.State, run.Error)
	}
	if v := tasks["waits"].Outputs["v"]; v != tasklog.Mask {
		t.Errorf("waits's output v = %q, want it masked", v)
	}
	r.assertNoLeak(t, canary)
}

// DAG vars are templates: over the params, the run and the vars before
// them, and a secret one is masked like any other.
func TestDAGVarsAreRendered(t *testing.T) {
	r := newSecretRig(t, map[string]string{"c": canary})
	run, tasks := r.run(t, `
name: backup
params:
  env: {default: prod}
vars:
  bucket: 'backups-{{ .params.env }}'
  path: '{{ .vars.bucket }}/{{ .run.logical_date.Year }}'
  token: '{{ secret "c" }}'
tasks:
  - {id: show, op: shell, with: {command: 'echo "v=$B" > "$MESHFLOW_OUTPUT"; echo "$T"', env: {B: '{{ .vars.path }}', T: '{{ .vars.token }}'}}}
`)
	if run.State != model.RunSuccess {
		t.Fatalf("run = %s (%s)", run.State, run.Error)
	}
	if want := fmt.Sprintf("backups-prod/%d", run.LogicalDate.Year()); tasks["show"].Outputs["v"] != want {
		t.Errorf("vars.path = %q, want %q", tasks["show"].Outputs["v"], want)
	}
	if log := r.log(t, run, "show"); log != tasklog.Mask+"\n" {
		t.Errorf("log = %q, want the secret var masked", log)
	}
	r.assertNoLeak(t, canary)

	d, err := dag.Parse("bad.yaml", []byte("name: bad\nvars:\n  x: '{{ .params.nope.deeper }}'\ntasks:\n  - {id: a, op: noop}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.engine.Trigger(t.Context(), engine.TriggerRequest{DAG: d, Trigger: model.TriggerManual})
	if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "vars.x") {
		t.Errorf("trigger with a var that cannot render = %v, want an invalid-input error naming vars.x", err)
	}
}

// A failed try's error quotes the end of its stderr, masked, so "exit
// status 3" says why; the run's error names the task and that reason.
func TestFailedTryErrorQuotesStderr(t *testing.T) {
	r := newSecretRig(t, map[string]string{"c": canary})
	run, tasks := r.run(t, `
name: loud
tasks:
  - {id: load, op: shell, with: {command: 'echo starting; echo "auth {{ secret "c" }} refused" >&2; echo "psql: could not connect to server" >&2; exit 3'}}
`)
	if run.State != model.RunFailed {
		t.Fatalf("run = %s, want failed", run.State)
	}
	want := "exit status 3; stderr:\nauth " + tasklog.Mask + " refused\npsql: could not connect to server"
	if e := tasks["load"].Error; e != want {
		t.Errorf("task error = %q, want %q", e, want)
	}
	if want := "task load failed: exit status 3; stderr: psql: could not connect to server"; run.Error != want {
		t.Errorf("run error = %q, want %q", run.Error, want)
	}
	var b strings.Builder
	if err := tasklog.Dir(filepath.Join(r.dir, "logs")).CopyText(&b, tasklog.Key{DAG: run.DAG, RunID: run.ID, Task: "load", Try: 1}, true, nil); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); strings.Count(got, " err ") != 2 || !strings.Contains(got, "     starting\n") {
		t.Errorf("log does not tell stderr from stdout:\n%s", got)
	}
	r.assertNoLeak(t, canary)
}
