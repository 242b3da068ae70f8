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
	// The audit log speaks one vocabulary on every face: who (source,
	// actor, address), what (action, a target of a kind, so pages can link
	// it) and how it ended in words (outcome, reason) instead of an HTTP
	// status that differed by face. Old rows are kept, read into the new
	// words: see auditVocabularyCopy.
	{"audit vocabulary", exec(`
		CREATE TABLE audit_log_v2 (
			id          INTEGER PRIMARY KEY,
			at          INTEGER NOT NULL,
			source      TEXT NOT NULL,
			actor       TEXT NOT NULL DEFAULT '',
			address     TEXT NOT NULL DEFAULT '',
			action      TEXT NOT NULL,
			target_kind TEXT NOT NULL DEFAULT '',
			target_id   TEXT NOT NULL DEFAULT '',
			outcome     TEXT NOT NULL CHECK (outcome IN ('done', 'refused', 'failed')),
			reason      TEXT NOT NULL DEFAULT ''
		) STRICT`,
		auditVocabularyCopy,
		`DROP TABLE audit_log`,
		`ALTER TABLE audit_log_v2 RENAME TO audit_log`,
		`CREATE INDEX audit_log_at ON audit_log (at)`,
		`CREATE INDEX audit_log_action ON audit_log (action)`)},
	{"cloud connections", exec(`
		CREATE TABLE connections (
			id          INTEGER PRIMARY KEY,
			name        TEXT NOT NULL UNIQUE,
			kind        TEXT NOT NULL,
			settings    TEXT NOT NULL DEFAULT '{}',
			defaults    TEXT NOT NULL DEFAULT '{}',
			hosts       TEXT NOT NULL DEFAULT '[]',
			secret_keys TEXT NOT NULL DEFAULT '[]',
			secrets     BLOB,
			active      INTEGER NOT NULL DEFAULT 1,
			source      TEXT NOT NULL DEFAULT '',
			created_at  INTEGER NOT NULL,
			updated_at  INTEGER NOT NULL
		) STRICT`, `
		CREATE TABLE vault_key (
			id          INTEGER PRIMARY KEY CHECK (id = 1),
			fingerprint TEXT NOT NULL,
			source      TEXT NOT NULL
		) STRICT`)},
	// The VM inventory (issue 8): what every connection's cloud listed at
	// its last refresh, kept after a VM is gone; the history of each VM;
	// creates recorded before the cloud is called, so none is made twice;
	// and the counters of generated names.
	{"vm inventory", exec(`
		CREATE TABLE vms (
			connection  TEXT NOT NULL,
			id          TEXT NOT NULL,
			kind        TEXT NOT NULL DEFAULT '',
			name        TEXT NOT NULL,
			state       TEXT NOT NULL,
			cloud_state TEXT NOT NULL DEFAULT '',
			region      TEXT NOT NULL DEFAULT '',
			zone        TEXT NOT NULL DEFAULT '',
			flavor      TEXT NOT NULL DEFAULT '',
			image       TEXT NOT NULL DEFAULT '',
			key_name    TEXT NOT NULL DEFAULT '',
			public_ips  TEXT NOT NULL DEFAULT '', -- comma-joined
			private_ips TEXT NOT NULL DEFAULT '',
			tags        TEXT NOT NULL DEFAULT '{}',
			details     TEXT NOT NULL DEFAULT '{}',
			token       TEXT NOT NULL DEFAULT '',
			launched_at INTEGER NOT NULL DEFAULT 0,
			still_billed INTEGER NOT NULL DEFAULT 0,
			first_seen  INTEGER NOT NULL,
			last_seen   INTEGER NOT NULL,
			gone_at     INTEGER NOT NULL DEFAULT 0,
			PRIMARY KEY (connection, id)
		) STRICT, WITHOUT ROWID`,
		`CREATE INDEX vms_name ON vms (name)`,
		`CREATE TABLE vm_events (
			id          INTEGER PRIMARY KEY,
			at          INTEGER NOT NULL,
			connection  TEXT NOT NULL,
			vm_id       TEXT NOT NULL,
			name        TEXT NOT NULL,
			kind        TEXT NOT NULL,
			from_state  TEXT NOT NULL DEFAULT '',
			to_state    TEXT NOT NULL DEFAULT '',
			message     TEXT NOT NULL DEFAULT ''
		) STRICT`,
		`CREATE INDEX vm_events_vm ON vm_events (connection, vm_id, id)`,
		`CREATE TABLE vm_refreshes (
			connection TEXT PRIMARY KEY,
			at         INTEGER NOT NULL,
			vms        INTEGER NOT NULL,
			error      TEXT NOT NULL DEFAULT ''
		) STRICT`,
		`CREATE TABLE vm_intents (
			token      TEXT PRIMARY KEY,
			connection TEXT NOT NULL,
			name       TEXT NOT NULL,
			spec       BLOB NOT NULL,
			request    TEXT NOT NULL DEFAULT '',
			created_at INTEGER NOT NULL,
			vm_id      TEXT NOT NULL DEFAULT '',
			error      TEXT NOT NULL DEFAULT ''
		) STRICT`,
		`CREATE INDEX vm_intents_request ON vm_intents (request) WHERE request != ''`,
		`CREATE TABLE vm_name_counters (
			prefix  TEXT PRIMARY KEY,
			counter INTEGER NOT NULL
		) STRICT`,
		// Which runs' tasks used which VMs: a VM an active run uses is
		// never called forgotten.
		`CREATE TABLE vm_uses (
			connection TEXT NOT NULL,
			vm_id      TEXT NOT NULL,
			run_id     INTEGER NOT NULL,
			PRIMARY KEY (connection, vm_id, run_id)
		) STRICT, WITHOUT ROWID`,
		`CREATE INDEX vm_uses_run ON vm_uses (run_id)`)},
	// Labels a user gave a VM in meshflow, beside its cloud's tags: the
	// adapters set tags only at create.
	{"vm labels", exec(`
		CREATE TABLE vm_labels (
			connection TEXT NOT NULL,
			vm_id      TEXT NOT NULL,
			key        TEXT NOT NULL,
			value      TEXT NOT NULL,
			PRIMARY KEY (connection, vm_id, key)
		) STRICT, WITHOUT ROWID`)},
}

// auditVocabularyCopy moves the rows of the first audit log into the
// second. The old source was an IP address (a browser), "desktop", "api
// ADDRESS", or who minted a login link ("serve", "api"); the old target
// was free text ("run 4 task extract"); the old status an HTTP code:
// 2xx and 3xx read as done, 4xx as refused, 5xx as failed, the code kept
// as the reason, for want of a better one.
const auditVocabularyCopy = `
	INSERT INTO audit_log_v2 (id, at, source, actor, address, action, target_kind, target_id, outcome, reason)
	SELECT id, at,
		CASE
			WHEN source = 'desktop' THEN 'desktop'
			WHEN source = 'serve' THEN 'cli'
			WHEN source = 'api' OR source LIKE 'api %' THEN 'api'
			ELSE 'ui'
		END,
		CASE
			WHEN source = 'desktop' THEN 'desktop window'
			WHEN source = 'serve' THEN 'local user'
			WHEN source = 'api' OR source LIKE 'api %' THEN 'API token'
			ELSE ''
		END,
		CASE
			WHEN source IN ('desktop', 'serve', 'api') THEN ''
			WHEN source LIKE 'api %' THEN substr(source, 5)
			ELSE source
		END,
		CASE
			WHEN action = 'refused requests' THEN 'request.refusals'
			WHEN action LIKE '% /%' THEN 'request'
			ELSE action
		END,
		CASE
			WHEN action LIKE 'dag.%' THEN 'dag'
			WHEN action LIKE 'run.%' AND target LIKE 'run %' THEN 'run'
			WHEN action LIKE 'task.%' AND target LIKE 'run % task %' THEN 'task'
			WHEN action LIKE 'variable.%' THEN 'variable'
			WHEN action = 'settings.save' THEN 'settings'
			WHEN action IN ('login', 'logout', 'login.link') THEN 'session'
			WHEN action LIKE '% /%' THEN 'request'
			ELSE ''
		END,
		CASE
			WHEN action LIKE 'run.%' AND target LIKE 'run %' THEN substr(target, 5)
			WHEN action LIKE 'task.%' AND target LIKE 'run % task %' THEN
				substr(target, 5, instr(target, ' task ') - 5) || '/' || substr(target, instr(target, ' task ') + 6)
			WHEN action IN ('login', 'logout', 'login.link', 'refused requests') THEN ''
			WHEN action LIKE '% /%' THEN action
			ELSE target
		END,
		CASE
			WHEN status >= 500 THEN 'failed'
			WHEN status >= 400 THEN 'refused'
			ELSE 'done'
		END,
		CASE
			WHEN action = 'refused requests' THEN target
			WHEN status >= 400 THEN 'HTTP ' || status || ', recorded before reasons were'
			ELSE ''
		END
	FROM audit_log`

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
