package ops

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/tasklog"
)

func newTask(t testing.TB, args map[string]any) (*Task, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	return &Task{
		DAG: "d", RunID: 7, TaskID: "t", Try: 1, Args: args, Log: &log,
		Env: []string{"MESHFLOW_RUN_ID=7"}, TempDir: t.TempDir(), OutputLimit: 1024,
	}, &log
}

func TestShellCommandOutputsAndEnv(t *testing.T) {
	task, log := newTask(t, map[string]any{
		"command": `echo "hi $GREETING run $MESHFLOW_RUN_ID"; echo "a=1" >> "$MESHFLOW_OUTPUT"; echo "b=x=y" >> "$MESHFLOW_OUTPUT"`,
		"env":     map[string]any{"GREETING": "there"},
	})
	out, err := Shell{}.Run(t.Context(), task)
	if err != nil {
		t.Fatal(err)
	}
	if got := log.String(); got != "hi there run 7\n" {
		t.Errorf("log = %q", got)
	}
	if out["a"] != "1" || out["b"] != "x=y" {
		t.Errorf("outputs = %v", out)
	}
}

// A command written for "the shell" gets bash, where $RANDOM and [[ ]]
// work; with.shell picks another interpreter, here dash-like /bin/sh.
func TestShellDefaultsToBashAndTakesAnother(t *testing.T) {
	task, log := newTask(t, map[string]any{"command": `[[ -n "$RANDOM" ]] && echo "bash $BASH_VERSION"`})
	if _, err := (Shell{}).Run(t.Context(), task); err != nil {
		t.Fatalf("a bash command: %v (log %q)", err, log)
	}
	if !strings.HasPrefix(log.String(), "bash ") || log.String() == "bash \n" {
		t.Errorf("log = %q, want bash's version: the default shell is not bash", log)
	}
	task, log = newTask(t, map[string]any{"shell": "/bin/sh", "command": `echo "ran by $0"`})
	if _, err := (Shell{}).Run(t.Context(), task); err != nil {
		t.Fatal(err)
	}
	if got := log.String(); got != "ran by /bin/sh\n" {
		t.Errorf("with.shell /bin/sh: log = %q", got)
	}
}

func TestShellScriptAndJSONOutputs(t *testing.T) {
	task, _ := newTask(t, map[string]any{"script": "#!/bin/sh\nset -e\nprintf '{\"n\": 3, \"s\": \"ok\"}' > \"$MESHFLOW_OUTPUT\"\n"})
	out, err := Shell{}.Run(t.Context(), task)
	if err != nil {
		t.Fatal(err)
	}
	if out["n"] != "3" || out["s"] != "ok" {
		t.Errorf("outputs = %v", out)
	}
}

func TestShellExitCode(t *testing.T) {
	task, log := newTask(t, map[string]any{"command": "echo failing >&2; exit 3"})
	_, err := Shell{}.Run(t.Context(), task)
	var exit *ExitError
	if !errors.As(err, &exit) || exit.Code != 3 || !errors.Is(err, ErrExit) {
		t.Fatalf("err = %v, want exit status 3", err)
	}
	if !strings.Contains(log.String(), "failing") {
		t.Errorf("stderr not in the log: %q", log.String())
	}
}

func TestShellArgumentErrors(t *testing.T) {
	for _, args := range []map[string]any{
		{},
		{"command": "true", "script": "true"},
	} {
		task, _ := newTask(t, args)
		if _, err := (Shell{}).Run(t.Context(), task); err == nil || !strings.Contains(err.Error(), "with.") {
			t.Errorf("args %v: err = %v, want a message naming the argument", args, err)
		}
	}
}

// A with.dir that does not exist, or is a file, fails the try with an
// error that names the task, the argument and the path, and says what to do.
func TestShellDirErrorNamesTheDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for dir, fix := range map[string]string{
		filepath.Join(t.TempDir(), "missing"): "create it",
		file:                                  "make it a directory",
	} {
		task, _ := newTask(t, map[string]any{"command": "true", "dir": dir})
		_, err := Shell{}.Run(t.Context(), task)
		for _, want := range []string{`task "t"`, "with.dir", dir, fix} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("dir %s: err = %v, want it to say %q", dir, err, want)
			}
		}
	}
}

func TestShellOutputLimit(t *testing.T) {
	task, _ := newTask(t, map[string]any{"command": `head -c 5000 /dev/zero | tr '\0' a | sed 's/^/k=/' > "$MESHFLOW_OUTPUT"`})
	if _, err := (Shell{}).Run(t.Context(), task); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Fatalf("err = %v, want the output limit", err)
	}
}

// A timeout must stop everything the task started, not just the shell.
func TestShellTimeoutKillsTheProcessGroup(t *testing.T) {
	task, _ := newTask(t, map[string]any{
		"command": `sleep 60 & echo $! > child.pid; sleep 60`,
	})
	ctx, cancel := context.WithTimeoutCause(t.Context(), 300*time.Millisecond, errors.New("timed out after 300ms"))
	defer cancel()
	start := time.Now()
	_, err := Shell{Grace: 200 * time.Millisecond}.Run(ctx, task)
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v, want the timeout", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("took %v to stop", took)
	}
	data, err := os.ReadFile(filepath.Join(task.TempDir, "child.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	deadline := time.Now().Add(2 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("background child %d survived the timeout", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestParseOutputs(t *testing.T) {
	tests := []struct {
		in   string
		want map[string]string
		err  string
	}{
		{"", nil, ""},
		{"# c\n\na=1\nb = two \na=3\n", map[string]string{"a": "3", "b": " two "}, ""},
		{`{"x": [1,2], "y": "s"}`, map[string]string{"x": "[1,2]", "y": "s"}, ""},
		{"novalue\n", nil, "line 1"},
		{"{bad json", nil, "not a JSON object"},
	}
	for _, tt := range tests {
		got, err := ParseOutputs([]byte(tt.in))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("%q: %v, %v", tt.in, got, err)
			continue
		}
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%q: %s = %q, want %q", tt.in, k, got[k], v)
			}
		}
	}
}

func TestHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Token") != "abc" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"data": {"id": "vm-1", "ips": ["10.0.0.1"]}}`))
	}))
	defer srv.Close()
	task, _ := newTask(t, map[string]any{
		"url": srv.URL, "method": "post", "headers": map[string]any{"X-Token": "abc"},
		"expect_status": 201, "outputs": map[string]any{"id": "data.id", "ip": "data.ips.0"},
	})
	out, err := HTTP{}.Run(t.Context(), task)
	if err != nil {
		t.Fatal(err)
	}
	if out["status"] != "201" || out["id"] != "vm-1" || out["ip"] != "10.0.0.1" {
		t.Errorf("outputs = %v", out)
	}
	task, _ = newTask(t, map[string]any{"url": srv.URL})
	if _, err := (HTTP{}).Run(t.Context(), task); err == nil || !strings.Contains(err.Error(), "status 401") {
		t.Errorf("unauthorized: err = %v", err)
	}
}

func TestWaitUsesTheClock(t *testing.T) {
	start := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
	fake := clock.NewFake(start)
	task, _ := newTask(t, map[string]any{"until": "18:30"})
	done := make(chan error, 1)
	go func() { _, err := (Wait{Clock: fake}).Run(t.Context(), task); done <- err }()
	fake.WaitForTimers(1)
	fake.Advance(89 * time.Minute)
	select {
	case <-done:
		t.Fatal("returned before 18:30")
	case <-time.After(20 * time.Millisecond):
	}
	fake.Advance(time.Minute)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

type fakeRuns struct {
	params map[string]any
	state  string
}

func (f *fakeRuns) TriggerChild(_ context.Context, parent int64, name string, params map[string]any) (int64, error) {
	f.params = params
	return 42, nil
}

func (f *fakeRuns) WaitRun(context.Context, int64) (string, error) { return f.state, nil }

func TestTriggerDAGWaitsAndFailsWithTheChild(t *testing.T) {
	runs := &fakeRuns{state: "failed"}
	task, _ := newTask(t, map[string]any{"dag": "child", "params": map[string]any{"who": "x"}, "wait": true})
	_, err := TriggerDAG{Runs: runs}.Run(t.Context(), task)
	if err == nil || !strings.Contains(err.Error(), "run 42 of child ended failed") {
		t.Fatalf("err = %v", err)
	}
	if runs.params["who"] != "x" {
		t.Errorf("params = %v", runs.params)
	}
	runs.state = "success"
	out, err := TriggerDAG{Runs: runs}.Run(t.Context(), task)
	if err != nil || out["run_id"] != "42" || out["state"] != "success" {
		t.Fatalf("out = %v, err = %v", out, err)
	}
}

func TestTriggerDAGRefusesASecretInParams(t *testing.T) {
	runs := &fakeRuns{state: "success"}
	task, _ := newTask(t, map[string]any{"dag": "child", "params": map[string]any{"who": "x", "hosts": []any{"a", "pre-s3cr3t"}}})
	task.Secrets = tasklog.NewMasker([]string{"s3cr3t"})
	_, err := TriggerDAG{Runs: runs}.Run(t.Context(), task)
	if err == nil || !strings.Contains(err.Error(), "with.params.hosts[1] holds a secret") || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("err = %v, want params.hosts[1] refused without its value", err)
	}
	if runs.params != nil {
		t.Errorf("the child run was started with params %v", runs.params)
	}
}

func TestOnlyOpsThatNeedTheEngineRunInProcess(t *testing.T) {
	for _, op := range []Op{Shell{}, HTTP{}, TriggerDAG{}, Wait{}, Noop{}} {
		spec := op.Spec()
		want := spec.Name == "trigger_dag" || spec.Name == "wait"
		if spec.InProcess != want {
			t.Errorf("op %s: InProcess = %v, want %v", spec.Name, spec.InProcess, want)
		}
	}
}
