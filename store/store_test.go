package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesCurrentSchema(t *testing.T) {
	s := openTemp(t)
	v, err := s.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() {
		t.Fatalf("schema version = %d, want %d", v, SchemaVersion())
	}
	for _, table := range []string{"settings", "audit_log", "schema_migrations"} {
		var n int
		err := s.db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("table %s: n=%d err=%v", table, n, err)
		}
	}
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
	var fk int
	if err := s.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d (%v), want 1", fk, err)
	}
}

func TestReopenKeepsDataAndVersion(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "meshflow.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddAuditEvent(ctx, model.AuditEvent{Action: "a", Source: model.SourceCLI, Outcome: model.OutcomeDone}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, err := s.CountAuditEvents(ctx, model.AuditFilter{})
	if err != nil || n != 1 {
		t.Fatalf("events after reopen = %d (%v), want 1", n, err)
	}
	var rows int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != SchemaVersion() {
		t.Fatalf("schema_migrations rows = %d (%v), want %d: a reopen must not re-run migrations", rows, err, SchemaVersion())
	}
}

// A data dir written by the previous release must open with this one and
// keep everything it held.
func TestUpgradeFromPreviousSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "meshflow.db")
	prev := migrations[:len(migrations)-1]
	old, err := open(ctx, path, prev)
	if err != nil {
		t.Fatal(err)
	}
	want := model.Settings{InstanceName: "lab", Theme: model.ThemeDark}
	if err := old.SaveSettings(ctx, want); err != nil {
		t.Fatal(err)
	}
	old.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	if v, _ := s.SchemaVersion(ctx); v != SchemaVersion() {
		t.Fatalf("version after upgrade = %d, want %d", v, SchemaVersion())
	}
	got, err := s.Settings(ctx)
	if err != nil || got != want {
		t.Fatalf("settings after upgrade = %+v (%v), want %+v", got, err, want)
	}
	if _, err := s.AddAuditEvent(ctx, model.AuditEvent{Action: "x", Source: model.SourceCLI, Outcome: model.OutcomeDone}); err != nil {
		t.Fatalf("new table unusable after upgrade: %v", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "meshflow.db")
	future := append(append([]migration{}, migrations...), migration{"future", exec(`CREATE TABLE f (x INTEGER)`)})
	s, err := open(ctx, path, future)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer than this meshflow") {
		t.Fatalf("err = %v, want a refusal naming the newer schema", err)
	}
}

func TestFailedMigrationLeavesWholeVersion(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "meshflow.db")
	broken := append(append([]migration{}, migrations...),
		migration{"half", exec(`CREATE TABLE half (x INTEGER)`, `THIS IS NOT SQL`)})
	if _, err := open(ctx, path, broken); err == nil {
		t.Fatal("broken migration succeeded")
	}
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("table from the failed migration survived (n=%d, %v)", n, err)
	}
}

func TestPathWithURICharacters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a dir?with#odd%chars")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "meshflow.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not created at the given path: %v", err)
	}
}

func TestSettingsDefaultsAndRoundTrip(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	got, err := s.Settings(ctx)
	if err != nil || got != model.DefaultSettings() {
		t.Fatalf("fresh settings = %+v (%v), want defaults", got, err)
	}
	if _, err := s.Setting(ctx, "theme"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unsaved setting err = %v, want ErrNotFound", err)
	}
	want := model.Settings{InstanceName: "home lab", Theme: model.ThemeLight}
	if err := s.SaveSettings(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Settings(ctx); got != want {
		t.Fatalf("settings = %+v, want %+v", got, want)
	}
}

func TestAuditEventsNewestFirstAndPaged(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	base := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range 5 {
		_, err := s.AddAuditEvent(ctx, model.AuditEvent{
			At: base.Add(time.Duration(i) * time.Minute), Action: "settings.save",
			Target: model.DAGTarget(string(rune('a' + i))), Source: model.SourceUI, Outcome: model.OutcomeDone,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	first, err := s.AuditEvents(ctx, model.AuditFilter{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 3 || first[0].Target.ID != "e" || first[2].Target.ID != "c" {
		t.Fatalf("first page = %+v, want e, d, c", first)
	}
	if !first[0].At.Equal(base.Add(4 * time.Minute)) {
		t.Fatalf("time = %v, want %v", first[0].At, base.Add(4*time.Minute))
	}
	rest, err := s.AuditEvents(ctx, model.AuditFilter{BeforeID: first[2].ID, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 2 || rest[0].Target.ID != "b" || rest[1].Target.ID != "a" {
		t.Fatalf("second page = %+v, want b, a", rest)
	}
}

// A backup taken while another connection keeps writing must be a complete
// database that passes integrity_check, and it must never leave a partial
// file behind under the requested name.
func TestBackupWhileWriting(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "meshflow.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A second pool on the same file stands in for the serving process.
	writer, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()

	var written atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := writer.AddAuditEvent(ctx, model.AuditEvent{Action: "write", Source: model.SourceCLI, Target: model.AuditTarget{ID: strings.Repeat("x", 200)}, Outcome: model.OutcomeDone}); err != nil {
				t.Error(err)
				return
			}
			written.Add(1)
		}
	})
	for written.Load() < 500 {
		time.Sleep(time.Millisecond)
	}
	dest := filepath.Join(dir, "backup.db")
	err = s.Backup(ctx, dest)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if _, err := os.Stat(dest + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary file left behind: %v", err)
	}

	b, err := Open(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := b.CountAuditEvents(ctx, model.AuditFilter{})
	if err != nil || n < 500 {
		t.Fatalf("backup holds %d events (%v), want at least the 500 written before it started", n, err)
	}

	if err := s.Backup(ctx, dest); !errors.Is(err, ErrExists) {
		t.Fatalf("second backup to the same name: err = %v, want ErrExists", err)
	}
}

// BenchmarkAddAuditEvent is the cost every mutating request pays.
func BenchmarkAddAuditEvent(b *testing.B) {
	s, err := Open(b.Context(), filepath.Join(b.TempDir(), "meshflow.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.AddAuditEvent(b.Context(), model.AuditEvent{Action: "settings.save", Source: model.SourceUI, Address: "127.0.0.1", Outcome: model.OutcomeDone}); err != nil {
			b.Fatal(err)
		}
	}
}
