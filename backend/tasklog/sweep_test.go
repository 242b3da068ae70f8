package tasklog

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func TestSweepByAgeAndCount(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	mk := func(dag string, id int, age time.Duration) string {
		dir := filepath.Join(root, dag, strconv.Itoa(id))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		log := filepath.Join(dir, "a.1.log")
		if err := os.WriteFile(log, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{log, dir} {
			if err := os.Chtimes(p, now.Add(-age), now.Add(-age)); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	old := mk("nightly", 1, 40*24*time.Hour)
	keep := []string{mk("nightly", 2, time.Hour), mk("nightly", 3, time.Hour), mk("hello", 4, time.Hour)}
	extra := mk("hello", 3, 2*time.Hour) // beyond the newest 1 of hello

	// A run whose folder is old but whose log is still being written
	// (a long task) is not old.
	busy := mk("nightly", 0, 40*24*time.Hour)
	if err := os.WriteFile(filepath.Join(busy, "a.1.log"), []byte("still going"), 0o600); err != nil {
		t.Fatal(err)
	}

	n := sweep(Dir(root), now, Retention{Days: 30, Runs: 0}, nil)
	if n != 1 {
		t.Fatalf("removed %d, want 1 (by age only)", n)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("40-day-old run logs kept")
	}
	if _, err := os.Stat(busy); err != nil {
		t.Fatal("logs of a run still writing were removed")
	}
	// Run 2 of nightly is still active: it stays whatever the count says.
	if n := sweep(Dir(root), now, Retention{Days: 30, Runs: 1}, map[int64]bool{2: true}); n != 2 {
		t.Fatalf("removed %d, want 2 (keep the newest run per DAG, and the active one)", n)
	}
	if _, err := os.Stat(keep[0]); err != nil {
		t.Error("the logs of an active run were removed")
	}
	if n := sweep(Dir(root), now, Retention{Days: 30, Runs: 1}, nil); n != 1 {
		t.Fatalf("removed %d once run 2 ended, want 1", n)
	}
	for _, d := range []string{keep[1], keep[2]} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("newest run logs removed: %s", d)
		}
	}
	for _, d := range []string{keep[0], extra} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("older run logs kept beyond the count: %s", d)
		}
	}
}

func sweep(d Dir, now time.Time, keep Retention, active map[int64]bool) int {
	n, _ := d.Sweep(now, keep, active)
	return n
}
