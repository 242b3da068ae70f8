package app

import (
	"context"
	"database/sql"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// openForServe opens a fresh data dir, lets spoil break it, and runs serve
// over it. It returns what serve returned, and whether it ever listened.
func openForServe(t *testing.T, spoil func(DataDir)) (listened bool, err error) {
	t.Helper()
	dir := DataDir(t.TempDir())
	cfg, err := LoadConfig(Overrides{DataDir: string(dir), Addr: "127.0.0.1:0"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(t.Context(), cfg, Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	spoil(dir)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	err = a.serve(ctx, func(net.Addr) { listened = true }, defaultTimeouts())
	if ctx.Err() != nil {
		t.Fatal("serve kept serving a workflow system that could not run")
	}
	return listened, err
}

// A DAG folder that cannot be read is a reason not to start, said at once.
func TestServeRefusesToStartWithoutItsDAGFolder(t *testing.T) {
	listened, err := openForServe(t, func(dir DataDir) {
		if err := os.RemoveAll(dir.DAGs()); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir.DAGs(), []byte("not a folder"), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "dag folder") {
		t.Fatalf("serve = %v, want the dag folder's error", err)
	}
	if listened {
		t.Error("serve announced its address before failing")
	}
}

// If the engine stops on its own, the pages would show runs that never
// move and accept triggers that never start: serve stops and says why.
func TestServeStopsWhenTheEngineFails(t *testing.T) {
	_, err := openForServe(t, func(dir DataDir) {
		db, err := sql.Open("sqlite3", "file:"+dir.DB())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`ALTER TABLE runs RENAME TO runs_gone`); err != nil {
			t.Fatal(err)
		}
	})
	if err == nil || !strings.Contains(err.Error(), "engine") {
		t.Fatalf("serve = %v, want the engine's error", err)
	}
}
