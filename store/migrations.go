package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// A migration moves the schema one version forward. The list is append-only:
// a shipped migration is never edited, a change is a new entry at the end.
type migration struct {
	name string
	up   func(*sql.Tx) error
}

// exec makes a migration out of plain SQL statements.
func exec(statements ...string) func(*sql.Tx) error {
	return func(tx *sql.Tx) error {
		for _, q := range statements {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	}
}

// migrations[i] takes the schema from version i to version i+1.
var migrations = []migration{
	{"settings", exec(`
		CREATE TABLE settings (
			key        TEXT PRIMARY KEY,
			value      TEXT NOT NULL,
			updated_at INTEGER NOT NULL
		) STRICT`)},
	{"audit log", exec(`
		CREATE TABLE audit_log (
			id     INTEGER PRIMARY KEY,
			at     INTEGER NOT NULL,
			action TEXT NOT NULL,
			target TEXT NOT NULL DEFAULT '',
			source TEXT NOT NULL DEFAULT '',
			status INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX audit_log_at ON audit_log (at)`)},
}

// SchemaVersion is the schema version this build of meshflow writes.
func SchemaVersion() int { return len(migrations) }

// migrate applies every migration the database has not seen yet, each in its
// own transaction together with its record in schema_migrations, so a crash
// leaves the schema at a whole version.
func (s *Store) migrate(ctx context.Context, ms []migration) error {
	if _, err := s.db.ExecContext(ctx, `
		CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at INTEGER NOT NULL
		) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	current, err := s.schemaVersion(ctx)
	if err != nil {
		return err
	}
	if current > len(ms) {
		return fmt.Errorf("database schema version %d is newer than this meshflow understands (%d): "+
			"run a newer meshflow, or point --data at another directory", current, len(ms))
	}
	for v := current; v < len(ms); v++ {
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			if err := ms[v].up(tx); err != nil {
				return err
			}
			_, err := tx.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				v+1, ms[v].name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", v+1, ms[v].name, err)
		}
	}
	return nil
}

// schemaVersion is the version the database is at now.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// SchemaVersion reports the version of the open database's schema.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	v, err := s.schemaVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	return v, nil
}
