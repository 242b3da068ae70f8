//go:build !windows

package cli

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runWithin runs one command against dir and fails the test, instead of
// hanging it, when the command does not return.
func runWithin(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := runIn(t.Context(), dir, args...)
		done <- result{out, err}
	}()
	select {
	case r := <-done:
		return r.out, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("%v blocked", args)
		return "", nil
	}
}

// A named pipe in dags/ is listed as a problem by every command that
// reads the folder, and none of them waits on it.
func TestNamedPipeInDAGFolder(t *testing.T) {
	dir := t.TempDir()
	if _, err := runWithin(t, dir, "dag", "list"); err != nil { // seeds dags/
		t.Fatal(err)
	}
	pipe := filepath.Join(dir, "dags", "pipe.yaml")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runWithin(t, dir, "dag", "list")
	if err != nil || !strings.Contains(out, "hello") || !strings.Contains(out, pipe+": not a regular file (a named pipe)") {
		t.Errorf("dag list = %v\n%s", err, out)
	}
	out, err = runWithin(t, dir, "dag", "validate")
	if err == nil || !strings.Contains(out, "not a regular file") || !strings.Contains(out, "hello.yaml: ok") {
		t.Errorf("dag validate = %v\n%s", err, out)
	}
	out, err = runWithin(t, dir, "dag", "validate", pipe)
	if err == nil || !strings.Contains(out, pipe+": not a regular file") {
		t.Errorf("dag validate PIPE = %v\n%s", err, out)
	}
	if out, err = runWithin(t, dir, "dag", "test", "hello"); err != nil {
		t.Errorf("dag test hello beside a pipe: %v\n%s", err, out)
	}
}
