package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

// crashDAG has 50 tasks: 5 chains of 10 that take 150 ms each, so a kill
// after a second lands in the middle of the run.
func crashDAG() string {
	var b strings.Builder
	b.WriteString("name: crash\ndefaults: {retries: 2, retry_delay: 100ms}\ntasks:\n")
	for c := range 5 {
		for i := range 10 {
			fmt.Fprintf(&b, "  - id: c%d_%d\n    op: shell\n    with: {command: 'sleep 0.15'}\n", c, i)
			if i > 0 {
				fmt.Fprintf(&b, "    needs: [c%d_%d]\n", c, i-1)
			}
		}
	}
	return b.String()
}

// A serve process killed with SIGKILL in the middle of a run must, once
// restarted, finish that run per its retry policy: interrupted tries are
// failed and retried, nothing stays running, and the database is intact.
func TestCrashMidRunRecoversAfterRestart(t *testing.T) {
	bin := buildMeshflow(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "dags"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dags", "crash.yaml"), []byte(crashDAG()), 0o600); err != nil {
		t.Fatal(err)
	}
	first := startServer(t, bin, dir)
	if out, err := exec.Command(bin, "dag", "trigger", "crash", "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("trigger: %v\n%s", err, out)
	}
	waitFor(t, "some tasks done and some running", func() bool {
		s := taskStates(t, dir)
		return s[model.TaskSuccess] >= 5 && s[model.TaskRunning] >= 1
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	before := taskStates(t, dir)
	if before[model.TaskRunning] == 0 {
		t.Fatalf("no task was running when the server died: %v", before)
	}

	second := startServer(t, bin, dir)
	defer stopServer(t, second)
	client, err := app.DataDir(dir).Remote()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	run, err := client.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != model.RunSuccess {
		t.Fatalf("run after restart = %s (%s)", run.State, run.Error)
	}
	detail, err := client.RunDetail(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	retried := 0
	for _, task := range detail.Tasks {
		if task.State != model.TaskSuccess {
			t.Errorf("task %s ended %s", task.TaskID, task.State)
		}
		if task.Try > 1 {
			retried++
		}
	}
	t.Logf("killed with tasks %v; after restart %d tasks needed more than one try", before, retried)
	if retried < before[model.TaskRunning] {
		t.Errorf("%d tasks were retried, want at least the %d interrupted", retried, before[model.TaskRunning])
	}
	checkIntegrity(t, dir)
}

func buildMeshflow(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "meshflow")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startServer(t *testing.T, bin, dir string) *exec.Cmd {
	t.Helper()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dir)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.Now().Add(90 * time.Second) // a restart may first end a crashed run's processes
	for {
		if _, err := app.DataDir(dir).Remote(); err == nil {
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for the server to publish its endpoint; its output:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stopServer(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Errorf("server exit: %v", err)
	}
}

// taskStates counts the stored task states of run 1, read the way any
// other process would: from the database file.
func taskStates(t *testing.T, dir string) map[model.TaskState]int {
	t.Helper()
	s, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows, err := s.TaskRuns(t.Context(), 1)
	if err != nil {
		return nil
	}
	out := map[model.TaskState]int{}
	for _, r := range rows {
		out[r.State]++
	}
	return out
}

func checkIntegrity(t *testing.T, dir string) {
	t.Helper()
	s, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.IntegrityCheck(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
