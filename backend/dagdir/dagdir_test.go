package dagdir

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/ops"
)

var catalog = ops.NewRegistry(ops.Noop{}, ops.Shell{})

func write(t *testing.T, dir, name, src string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const good = "name: %s\ntasks:\n  - {id: a, op: noop}\n"

func dagSrc(name string) string { return strings.Replace(good, "%s", name, 1) }

// A file that turns invalid keeps running its last good version, and says
// why it is not the current one.
func TestInvalidEditKeepsLastGoodVersion(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "one.yaml", dagSrc("one"))
	write(t, dir, "two.yaml", dagSrc("two"))
	write(t, dir, "notes.txt", "not a dag")
	d := New(dir, catalog)
	if changed, err := d.Load(); err != nil || !changed {
		t.Fatalf("load: changed=%v err=%v", changed, err)
	}
	if n := len(d.DAGs()); n != 2 {
		t.Fatalf("%d DAGs, want 2", n)
	}
	write(t, dir, "one.yaml", "name: one\ntasks:\n  - {id: a, op: nope}\n")
	if changed, _ := d.Load(); !changed {
		t.Fatal("edit not noticed")
	}
	e, err := d.Get("one")
	if err != nil {
		t.Fatalf("the last good version is gone: %v", err)
	}
	if !e.Stale() || !strings.Contains(e.Err.Error(), "one.yaml:3") || !strings.Contains(e.Err.Error(), `unknown op "nope"`) {
		t.Fatalf("entry = stale %v, err %v", e.Stale(), e.Err)
	}
	if changed, _ := d.Load(); changed {
		t.Error("an unchanged folder reported a change")
	}
	if err := os.Remove(filepath.Join(dir, "two.yaml")); err != nil {
		t.Fatal(err)
	}
	d.Load()
	if _, err := d.Get("two"); !errors.Is(err, ErrUnknownDAG) {
		t.Errorf("removed DAG still known: %v", err)
	}
}

func TestNeverValidFileIsListedWithItsError(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "broken.yml", "name: [\n")
	d := New(dir, catalog)
	d.Load()
	list := d.List()
	if len(list) != 1 || list[0].Name != "broken" || list[0].DAG != nil || list[0].Err == nil {
		t.Fatalf("list = %+v", list)
	}
	if _, err := d.Get("broken"); !errors.Is(err, ErrUnknownDAG) {
		t.Errorf("an invalid DAG must not be runnable: %v", err)
	}
}

func TestDuplicateNamesAreRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", dagSrc("same"))
	write(t, dir, "b.yaml", dagSrc("same"))
	d := New(dir, catalog)
	d.Load()
	e, err := d.Get("same")
	if err != nil || filepath.Base(e.File) != "a.yaml" {
		t.Fatalf("get = %+v, %v; want a.yaml's", e, err)
	}
	var dup *Entry
	for _, x := range d.List() {
		if filepath.Base(x.File) == "b.yaml" {
			dup = x
		}
	}
	if dup == nil || dup.Err == nil || !strings.Contains(dup.Err.Error(), "already used by") {
		t.Fatalf("duplicate = %+v", dup)
	}
	// Once the first file is gone, the second one's DAG runs.
	if err := os.Remove(filepath.Join(dir, "a.yaml")); err != nil {
		t.Fatal(err)
	}
	d.Load()
	if e, err := d.Get("same"); err != nil || filepath.Base(e.File) != "b.yaml" {
		t.Fatalf("after removing a.yaml: %+v, %v", e, err)
	}
}

// fileOf returns the entry of the file with base name base.
func fileOf(t *testing.T, d *Dir, base string) *Entry {
	t.Helper()
	for _, e := range d.List() {
		if filepath.Base(e.File) == base {
			return e
		}
	}
	t.Fatalf("no entry for %s", base)
	return nil
}

// A new file that copies a running DAG's name is refused; the DAG that
// runs keeps running, whatever the paths' order.
func TestANewFileCannotTakeARunningDAGsName(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "etl.yaml", dagSrc("etl"))
	d := New(dir, catalog)
	d.Load()
	write(t, dir, "copy-of-etl.yaml", dagSrc("etl")) // sorts first
	if changed, _ := d.Load(); !changed {
		t.Fatal("the new file went unnoticed")
	}
	if e, err := d.Get("etl"); err != nil || filepath.Base(e.File) != "etl.yaml" {
		t.Fatalf("get etl = %+v, %v; want etl.yaml's, as before", e, err)
	}
	if dup := fileOf(t, d, "copy-of-etl.yaml"); dup.DAG != nil || dup.Err == nil || !strings.Contains(dup.Err.Error(), "already used by") {
		t.Fatalf("copy = %+v", dup)
	}
	if changed, _ := d.Load(); changed {
		t.Error("an unchanged folder with a refused file reported a change")
	}
}

// Renaming a DAG to a name that is taken is an invalid edit: its last good
// version runs on under its old name. Once the name is free, it is taken.
func TestRenamingToATakenNameKeepsTheLastGoodVersion(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.yaml", dagSrc("alpha"))
	write(t, dir, "b.yaml", dagSrc("beta"))
	d := New(dir, catalog)
	d.Load()
	write(t, dir, "b.yaml", dagSrc("alpha"))
	d.Load()
	b := fileOf(t, d, "b.yaml")
	if !b.Stale() || b.Name != "beta" || !strings.Contains(b.Err.Error(), `"alpha" is already used by`) {
		t.Fatalf("b.yaml = name %q, stale %v, err %v; want beta still running, refused", b.Name, b.Stale(), b.Err)
	}
	if e, err := d.Get("alpha"); err != nil || filepath.Base(e.File) != "a.yaml" {
		t.Fatalf("alpha = %+v, %v", e, err)
	}
	// a.yaml lets the name go by a rename: b.yaml gets it without an edit.
	write(t, dir, "a.yaml", dagSrc("gamma"))
	d.Load()
	if e, err := d.Get("alpha"); err != nil || filepath.Base(e.File) != "b.yaml" || e.Err != nil {
		t.Fatalf("alpha after a.yaml's rename = %+v, %v; want b.yaml's", e, err)
	}
	if _, err := d.Get("beta"); !errors.Is(err, ErrUnknownDAG) {
		t.Errorf("beta is still known: %v", err)
	}
}

func TestWatchAppliesEditsWithinASecond(t *testing.T) {
	dir := t.TempDir()
	d := New(dir, catalog)
	d.Load()
	var changes atomic.Int32
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.Watch(ctx, slog.New(slog.DiscardHandler), func() { changes.Add(1) }) }()
	defer func() { cancel(); <-done }()

	time.Sleep(50 * time.Millisecond) // let the watcher register
	start := time.Now()
	write(t, dir, "new.yaml", dagSrc("new"))
	for changes.Load() == 0 {
		if time.Since(start) > 3*time.Second {
			t.Fatal("the new file was not picked up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := d.Get("new"); err != nil {
		t.Fatal(err)
	}
	t.Logf("picked up %v after the write", time.Since(start).Round(time.Millisecond))
}

// A file over the size limit is refused without being parsed, and its
// error says what to do.
func TestOversizedFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	big := dagSrc("big") + "# " + strings.Repeat("x", MaxFileSize) + "\n"
	path := write(t, dir, "big.yaml", big)
	d := New(dir, catalog)
	d.Load()
	list := d.List()
	if len(list) != 1 || list[0].DAG != nil || list[0].Err == nil ||
		!strings.Contains(list[0].Err.Error(), path+": over the 1 MiB limit") {
		t.Fatalf("list = %+v", list)
	}
}

// Asking for a DAG by a hostile name gets a short answer: an excerpt of
// the name and a few of the names that exist, however many there are.
func TestUnknownDAGErrorIsShort(t *testing.T) {
	dir := t.TempDir()
	for i := range 50 {
		write(t, dir, fmt.Sprintf("d%02d.yaml", i), dagSrc(fmt.Sprintf("d%02d", i)))
	}
	d := New(dir, catalog)
	d.Load()
	_, err := d.Get(strings.Repeat("x", 100_000) + "\x1b]0;TITLE\a")
	if !errors.Is(err, ErrUnknownDAG) {
		t.Fatalf("get = %v", err)
	}
	msg := err.Error()
	if len(msg) > 400+len(dir) || strings.ContainsAny(msg, "\x1b\a") {
		t.Fatalf("message of %d bytes: %.300q", len(msg), msg)
	}
	if !strings.Contains(msg, "known: d00, d01") || !strings.Contains(msg, "d09 and 40 more") {
		t.Errorf("message = %s", msg)
	}
}
