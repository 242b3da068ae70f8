package cli

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/internal/syncbuf"
)

// runIn runs one command against the data dir seeded with the real starter
// DAGs from testdata/examples.
func runIn(ctx context.Context, dir string, args ...string) (string, error) {
	var out syncbuf.Buffer
	err := Run(ctx, append(args, "--data", dir), Env{
		Version: "v1.2.3", Examples: os.DirFS("../../testdata/examples"),
		Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" },
	})
	return out.String(), err
}

func TestDAGTestRunsInTheForeground(t *testing.T) {
	dir := t.TempDir()
	out, err := runIn(t.Context(), dir, "dag", "test", "hello", "--param", "who=terminal")
	if err != nil {
		t.Fatalf("dag test hello: %v\n%s", err, out)
	}
	for _, want := range []string{"run 1 of hello started", "[greet.1] hello, terminal", "ended success"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = runIn(t.Context(), dir, "dag", "test", "cleanup-on-failure")
	if err == nil || !strings.Contains(err.Error(), "task work failed") {
		t.Fatalf("a failing DAG must fail the command: %v", err)
	}
	if !strings.Contains(out, "[cleanup.1] cleaning up") {
		t.Errorf("the all_done cleanup did not run:\n%s", out)
	}
	logs, err := runIn(t.Context(), dir, "dag", "logs", "2", "work")
	if err != nil || !strings.Contains(logs, "something went wrong") || strings.Contains(logs, "cleaning up") {
		t.Fatalf("logs of one task = %q, %v", logs, err)
	}
}

// TestStarterDAGDoesNotRunItsParam: the starter DAG is what people copy,
// so a param holding shell syntax must come out as text, in the task that
// reads the param and in the one that reads its output.
func TestStarterDAGDoesNotRunItsParam(t *testing.T) {
	out, err := runIn(t.Context(), t.TempDir(), "dag", "test", "hello", "--param", "who=$(echo INJECTED) `echo TOO` '\"")
	if err != nil {
		t.Fatalf("dag test hello: %v\n%s", err, out)
	}
	for _, want := range []string{"[greet.1] hello, $(echo INJECTED) `echo TOO` '\"", "[sum.1] hello, $(echo INJECTED) `echo TOO` '\""} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "INJECTED\n") {
		t.Errorf("the param ran as a command:\n%s", out)
	}
}

func TestDAGValidatePrintsWarningsAndSucceeds(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "warn.yaml")
	src := "name: warn\nparams:\n  who: {default: x}\ntasks:\n  - id: a\n    op: shell\n    with:\n      command: echo {{ .params.who }}\n"
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runIn(t.Context(), dir, "dag", "validate", file)
	if err != nil {
		t.Fatalf("warnings alone must not fail validate: %v\n%s", err, out)
	}
	for _, want := range []string{file + ":8:7: warning: task \"a\": with.command pastes .params.who", "{{ quote .params.who }}", file + ": ok (1 warning)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDAGValidateReportsFileAndLine(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: bad\ntasks:\n  - id: a\n    op: shel\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runIn(t.Context(), t.TempDir(), "dag", "validate", bad, "../../testdata/examples/hello.yaml")
	if err == nil || !strings.Contains(err.Error(), "1 of 2 DAG files have problems") {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{bad + ":4:5", `did you mean "shell"`, "hello.yaml: ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDAGCommandsThroughARunningServer(t *testing.T) {
	dir := t.TempDir()
	if _, err := runIn(t.Context(), dir, "dag", "list"); err != nil { // seeds the data dir
		t.Fatal(err)
	}
	startServe(t, dir)

	out, err := runIn(t.Context(), dir, "dag", "trigger", "hello", "--wait", "-p", "who=server")
	if err != nil || !strings.Contains(out, "ended success") {
		t.Fatalf("trigger --wait through the server: %v\n%s", err, out)
	}
	if _, err := runIn(t.Context(), dir, "dag", "test", "hello"); err == nil || !strings.Contains(err.Error(), "meshflow is running") {
		t.Errorf("dag test beside a server must be refused: %v", err)
	}
	if out, err := runIn(t.Context(), dir, "dag", "pause", "hello"); err != nil || !strings.Contains(out, "paused") {
		t.Fatalf("pause: %v %s", err, out)
	}
	list, err := runIn(t.Context(), dir, "dag", "list")
	if err != nil || !strings.Contains(list, "hello") {
		t.Fatalf("list: %v\n%s", err, list)
	}
	if line := lineWith(list, "hello "); !strings.Contains(line, "true") {
		t.Errorf("hello not shown paused: %q", line)
	}
	if _, err := runIn(t.Context(), dir, "dag", "trigger", "nope"); err == nil || !strings.Contains(err.Error(), `no such DAG "nope"`) {
		t.Errorf("unknown DAG: %v", err)
	}
	if _, err := runIn(t.Context(), dir, "dag", "trigger", "hello", "-p", "whom=x"); err == nil || !strings.Contains(err.Error(), "param whom is not declared") {
		t.Errorf("unknown param: %v", err)
	}
	runs, err := runIn(t.Context(), dir, "dag", "runs", "hello")
	if err != nil || !strings.Contains(runs, "success") {
		t.Errorf("runs: %v\n%s", err, runs)
	}
	if _, err := runIn(t.Context(), dir, "dag", "cancel", "1"); err == nil || err.Error() != "run 1 already ended: success" {
		t.Errorf("cancel of an ended run through the server: %v", err)
	}
	apiRefusals(t, dir)
}

// apiRefusals checks that the API answers a user's mistakes with their
// status and reason, not as server failures.
func apiRefusals(t *testing.T, dir string) {
	t.Helper()
	var ep struct{ URL, Token string }
	data, err := os.ReadFile(filepath.Join(dir, "server.json"))
	if err != nil || json.Unmarshal(data, &ep) != nil {
		t.Fatalf("server.json: %v", err)
	}
	for _, tt := range []struct {
		method, path, body string
		status             int
		says               string
	}{
		{"POST", "/api/v1/runs/1/cancel", "{}", 409, "run 1 already ended: success"},
		{"POST", "/api/v1/runs/1/retry-failed", "{}", 409, "run 1 has no failed"},
		{"POST", "/api/v1/dags/hello/runs", `{"params": {"whom": "x"}}`, 422, "param whom is not declared"},
		{"POST", "/api/v1/dags/nope/runs", "{}", 404, `no such DAG \"nope\"`},
		{"GET", "/api/v1/runs/99", "", 404, "run 99"},
		{"GET", "/api/v1/nothing", "", 404, "no such API route"},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), tt.method, ep.URL+tt.path, strings.NewReader(tt.body))
		req.Header.Set("Authorization", "Bearer "+ep.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.says) {
			t.Errorf("%s %s = %d %s, want %d saying %q", tt.method, tt.path, resp.StatusCode, body, tt.status, tt.says)
		}
	}
}

func TestDAGPlanRendersParams(t *testing.T) {
	out, err := runIn(t.Context(), t.TempDir(), "dag", "plan", "parent-child", "-p", "who=planner")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1. prepare (shell)", `params: {"who":"planner"}`, "3. report (shell) after child", "{{ .tasks.child.outputs.run_id }}"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
}

func lineWith(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// Cancelling a run cancels the runs it started with trigger_dag.
func TestCancelReachesChildRuns(t *testing.T) {
	dir := t.TempDir()
	if _, err := runIn(t.Context(), dir, "dag", "list"); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"kid.yaml": "name: kid\ntasks:\n  - {id: nap, op: shell, with: {command: 'sleep 30'}}\n",
		"mom.yaml": "name: mom\ntasks:\n  - {id: start, op: trigger_dag, with: {dag: kid, wait: true}}\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, "dags", name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	startServe(t, dir)
	if out, err := runIn(t.Context(), dir, "dag", "trigger", "mom"); err != nil {
		t.Fatalf("trigger: %v %s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := runIn(t.Context(), dir, "dag", "runs", "kid")
		if strings.Contains(out, "running") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("child run never started:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out, err := runIn(t.Context(), dir, "dag", "cancel", "1"); err != nil {
		t.Fatalf("cancel: %v %s", err, out)
	}
	for {
		out, _ := runIn(t.Context(), dir, "dag", "runs", "kid")
		if strings.Contains(out, "cancelled") && strings.Contains(out, "cancelled with run 1") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child run not cancelled with its parent:\n%s", out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A file that does not parse is reported as invalid, with its error, by the
// commands that look at one DAG — never as a DAG that does not exist.
func TestDAGShowAndPlanReportAnInvalidFile(t *testing.T) {
	dir := t.TempDir()
	if out, err := runIn(t.Context(), dir, "dag", "list"); err != nil {
		t.Fatalf("dag list: %v\n%s", err, out)
	}
	src := "name: broken\ntasks:\n  - id: a\n    op: nosuchop\n"
	if err := os.WriteFile(filepath.Join(dir, "dags", "broken.yaml"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"show", "plan"} {
		_, err := runIn(t.Context(), dir, "dag", cmd, "broken")
		if err == nil {
			t.Fatalf("dag %s of an invalid file succeeded", cmd)
		}
		for _, want := range []string{"DAG broken is invalid: ", "broken.yaml:4:", "fix the file"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("dag %s: error %q does not say %q", cmd, err, want)
			}
		}
	}
}

// The starter DAGs teach by example: every one validates with the real
// ops, without a warning, as `meshflow dag validate` checks them.
func TestStarterDAGsValidate(t *testing.T) {
	files, err := filepath.Glob("../../testdata/examples/*.yaml")
	if err != nil || len(files) < 8 {
		t.Fatalf("starter DAGs: %v, %v", files, err)
	}
	out, err := runIn(t.Context(), t.TempDir(), append([]string{"dag", "validate"}, files...)...)
	if err != nil {
		t.Fatalf("dag validate: %v\n%s", err, out)
	}
	for _, f := range files {
		if !strings.Contains(out, f+": ok\n") {
			t.Errorf("%s is not plainly ok:\n%s", f, out)
		}
	}
}

// The starter DAGs that act on VMs by themselves are paused in a new data
// dir, until the user unpauses them — before any server ran, too.
func TestVMStarterDAGsStartPaused(t *testing.T) {
	dir := t.TempDir()
	paused := func() string {
		t.Helper()
		out, err := runIn(t.Context(), dir, "dag", "list", "--status", "paused")
		if err != nil {
			t.Fatalf("dag list: %v\n%s", err, out)
		}
		var names []string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			names = append(names, strings.Fields(line)[0])
		}
		return strings.Join(names, " ")
	}
	if got := paused(); got != "evening-stop forgotten-vm-reaper morning-start" {
		t.Errorf("paused in a new data dir: %s", got)
	}
	if out, err := runIn(t.Context(), dir, "dag", "unpause", "morning-start"); err != nil {
		t.Fatalf("unpause: %v\n%s", err, out)
	}
	if got := paused(); got != "evening-stop forgotten-vm-reaper" {
		t.Errorf("paused after unpausing morning-start: %s", got)
	}
}
