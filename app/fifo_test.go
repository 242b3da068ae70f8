//go:build !windows

package app_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// With a named pipe in dags/, serve still starts, answers for the other
// DAGs, runs them, and stops on the first SIGTERM.
func TestServeWithNamedPipeInDAGFolder(t *testing.T) {
	bin := buildMeshflow(t)
	dir := t.TempDir()
	if out, err := exec.Command(bin, "dag", "list", "--data", dir).CombinedOutput(); err != nil { // seeds dags/
		t.Fatalf("dag list: %v\n%s", err, out)
	}
	pipe := filepath.Join(dir, "dags", "pipe.yaml")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, bin, dir)
	out, err := exec.Command(bin, "dag", "list", "--data", dir).CombinedOutput()
	if err != nil || !strings.Contains(string(out), pipe+": not a regular file") {
		t.Errorf("dag list through the server: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "dag", "trigger", "hello", "--wait", "--data", dir).CombinedOutput(); err != nil {
		t.Errorf("trigger beside a pipe: %v\n%s", err, out)
	}
	// A new pipe while serving is picked up by the watcher without a hang.
	if err := syscall.Mkfifo(filepath.Join(dir, "dags", "late.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the late pipe to be listed", func() bool {
		out, _ := exec.Command(bin, "dag", "list", "--data", dir).CombinedOutput()
		return strings.Contains(string(out), "late.yaml: not a regular file")
	})

	_ = srv.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve ignored SIGTERM")
	}
	if _, err := os.Stat(filepath.Join(dir, "server.json")); !os.IsNotExist(err) {
		t.Errorf("server.json left behind after a clean stop: %v", err)
	}
}
