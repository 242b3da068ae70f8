//go:build !windows

package dagdir

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// within fails the test instead of hanging it when fn blocks.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s blocked", what)
	}
}

// A named pipe in the folder is listed with its problem, and neither the
// load nor a direct LoadFile waits for a writer that never comes.
func TestNamedPipeIsReportedNotRead(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.yaml", dagSrc("good"))
	pipe := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	d := New(dir, catalog)
	within(t, "Load", func() {
		if _, err := d.Load(); err != nil {
			t.Error(err)
		}
	})
	if _, err := d.Get("good"); err != nil {
		t.Errorf("the good DAG beside the pipe: %v", err)
	}
	var e *Entry
	for _, x := range d.List() {
		if x.File == pipe {
			e = x
		}
	}
	if e == nil || e.DAG != nil || e.Err == nil ||
		!strings.Contains(e.Err.Error(), "not a regular file (a named pipe)") || !strings.Contains(e.Err.Error(), pipe) {
		t.Fatalf("pipe entry = %+v", e)
	}
	within(t, "a second Load", func() {
		if changed, _ := d.Load(); changed {
			t.Error("an unchanged folder with a pipe reported a change")
		}
	})
	within(t, "LoadFile", func() {
		if _, _, err := LoadFile(pipe, catalog); err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("LoadFile(pipe) = %v", err)
		}
	})
}

// A valid DAG that turns into a pipe keeps running its last good version.
func TestFileReplacedByPipeKeepsLastGoodVersion(t *testing.T) {
	dir := t.TempDir()
	path := write(t, dir, "one.yaml", dagSrc("one"))
	d := New(dir, catalog)
	d.Load()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	within(t, "Load", func() { d.Load() })
	e, err := d.Get("one")
	if err != nil || !e.Stale() || !strings.Contains(e.Err.Error(), "named pipe") {
		t.Fatalf("get = %+v, %v", e, err)
	}
}

// A DAG file that is a symlink is followed only to a plain file: one to a
// named pipe is refused unread, and one into /proc — /proc/kmsg blocks
// until the kernel logs, and consumes what it returns — is refused though
// it looks regular.
func TestSymlinksToPipesAndKernelFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "good.yaml", dagSrc("good"))
	pipe := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"pipe.yaml": pipe, "kmsg.yaml": "/proc/kmsg", "status.yaml": "/proc/self/status"}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	d := New(dir, catalog)
	within(t, "Load", func() { _, _ = d.Load() })
	if _, err := d.Get("good"); err != nil {
		t.Errorf("the good DAG beside the links: %v", err)
	}
	want := map[string]string{"pipe.yaml": "not a regular file (a named pipe)", "kmsg.yaml": "a kernel file", "status.yaml": "a kernel file"}
	for _, e := range d.List() {
		name := filepath.Base(e.File)
		if w, ok := want[name]; ok {
			if e.Err == nil || !strings.Contains(e.Err.Error(), w) || !strings.Contains(e.Err.Error(), e.File) {
				t.Errorf("%s: err = %v, want it to say %q and name the file", name, e.Err, w)
			}
			delete(want, name)
		}
	}
	if len(want) > 0 {
		t.Errorf("not listed: %v", want)
	}
}

// A read that blocks is given up after the timeout instead of holding up
// the load.
func TestReadBoundedGivesUpOnABlockingRead(t *testing.T) {
	r, w := io.Pipe()
	defer w.Close()
	within(t, "readBounded", func() {
		if _, err := readBounded(r, 10, 10*time.Millisecond); err == nil || !strings.Contains(err.Error(), "did not finish within") {
			t.Errorf("err = %v", err)
		}
	})
}
