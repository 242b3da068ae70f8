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
	{"workflow runs", exec(`
		CREATE TABLE dag_specs (
			hash   TEXT PRIMARY KEY,
			source BLOB NOT NULL
		) STRICT`,
		`CREATE TABLE dag_state (
			name              TEXT PRIMARY KEY,
			paused            INTEGER NOT NULL DEFAULT 0,
			next_run_at       INTEGER,
			last_scheduled_at INTEGER,
			updated_at        INTEGER NOT NULL
		) STRICT`,
		`CREATE TABLE runs (
			id            INTEGER PRIMARY KEY,
			dag           TEXT NOT NULL,
			state         TEXT NOT NULL,
			trigger       TEXT NOT NULL,
			logical_date  INTEGER NOT NULL,
			params        TEXT NOT NULL DEFAULT '{}',
			spec_hash     TEXT NOT NULL REFERENCES dag_specs (hash),
			parent_run_id INTEGER,
			queued_at     INTEGER NOT NULL,
			started_at    INTEGER,
			ended_at      INTEGER,
			error         TEXT NOT NULL DEFAULT ''
		) STRICT`,
		`CREATE INDEX runs_dag ON runs (dag, id)`,
		`CREATE INDEX runs_active ON runs (state) WHERE state IN ('queued', 'running')`,
		// A scheduled time runs once, whatever crashes and restarts happen.
		`CREATE UNIQUE INDEX runs_scheduled_once ON runs (dag, logical_date) WHERE trigger = 'schedule'`,
		`CREATE TABLE task_runs (
			run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			task        TEXT NOT NULL,
			state       TEXT NOT NULL,
			try         INTEGER NOT NULL DEFAULT 0,
			max_tries   INTEGER NOT NULL,
			started_at  INTEGER,
			ended_at    INTEGER,
			next_try_at INTEGER,
			exit_code   INTEGER,
			error       TEXT NOT NULL DEFAULT '',
			outputs     TEXT,
			PRIMARY KEY (run_id, task)
		) STRICT, WITHOUT ROWID`,
		`CREATE TABLE task_tries (
			run_id     INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
			task       TEXT NOT NULL,
			try        INTEGER NOT NULL,
			state      TEXT NOT NULL,
			started_at INTEGER,
			ended_at   INTEGER,
			exit_code  INTEGER,
			error      TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (run_id, task, try)
		) STRICT, WITHOUT ROWID`)},
	{"variables", exec(`
		CREATE TABLE variables (
			name       TEXT PRIMARY KEY,
			value      BLOB NOT NULL,
			secret     INTEGER NOT NULL DEFAULT 0,
			updated_at INTEGER NOT NULL
		) STRICT`)},
	// The process group of a running try, its leader's start time and the
	// machine's boot it ran in: what
	// a restart after a crash needs to find and end what the try left
	// running before it retries the task. NULL when nothing runs.
	{"task processes", exec(
		`ALTER TABLE task_runs ADD COLUMN proc_group INTEGER`,
		`ALTER TABLE task_runs ADD COLUMN proc_start INTEGER`,
		`ALTER TABLE task_runs ADD COLUMN proc_boot TEXT`)},
	// Browser sessions survive a restart of serve. Only a hash of each
	// session id is kept, so a copy of the database signs no one in.
	{"browser sessions", exec(`
		CREATE TABLE sessions (
			id_hash    TEXT PRIMARY KEY,
			created_at INTEGER NOT NULL,
			expires_at INTEGER NOT NULL
		) STRICT, WITHOUT ROWID`)},
	// Filters of the runs list (issue 7): a state, newest first, reads
	// its runs in order without a sort; a date range reads only its days.
	{"runs list filters", exec(
		`CREATE INDEX runs_state ON runs (state, id)`,
		`CREATE INDEX runs_queued_at ON runs (queued_at)`)},
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
