// Package store keeps meshflow's state in one SQLite file. It owns the
// connection settings, the schema and its migrations, and every SQL
// statement in the program; other packages see only model structs.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver

	"github.com/meshflow/meshflow/backend/model"
)

// ErrNotFound is returned when a lookup matches no row. It is
// model.ErrNotFound, so callers test for the model's.
var ErrNotFound = model.ErrNotFound

// Store is the SQLite-backed state of one data dir. It is safe for
// concurrent use.
type Store struct {
	db   *sql.DB
	path string
	// vmDefaults are the VM settings until some are saved (see
	// SetVMDefaults).
	vmDefaults model.VMSettings
}

// Open opens (creating if needed) the database at path and brings its schema
// up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	return open(ctx, path, migrations)
}

func open(ctx context.Context, path string, ms []migration) (*Store, error) {
	if err := restrictFiles(path); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db, err := sql.Open("sqlite3", dsn(path))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(ctx, ms); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return s, nil
}

// dsn builds the connection string. The options are the ones verified on
// this stack: WAL so readers never block the writer, a busy timeout instead of
// instant SQLITE_BUSY, and immediate transactions so that read-then-write
// transactions take the write lock up front instead of failing on upgrade.
func dsn(path string) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "5000")
	q.Set("_txlock", "immediate")
	q.Set("_foreign_keys", "on")
	q.Set("_synchronous", "NORMAL")
	return fileURI(path) + "?" + q.Encode()
}

// fileURI turns a file path into the URI form SQLite parses.
func fileURI(path string) string {
	p := filepath.ToSlash(path)
	if filepath.VolumeName(path) != "" { // Windows: file:///C:/...
		p = "/" + p
	}
	// Escape what would otherwise end the path early.
	return "file:" + strings.NewReplacer("%", "%25", "?", "%3F", "#", "%23").Replace(p)
}

// Close closes the database. In WAL mode the last connection to close
// checkpoints the log back into the main file.
func (s *Store) Close() error { return s.db.Close() }

// Path is the database file's location.
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Size is the space the database takes on disk, write-ahead log included.
func (s *Store) Size() (int64, error) {
	var total int64
	for _, suffix := range []string{"", "-wal"} {
		fi, err := os.Stat(s.path + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: size: %w", err)
		}
		total += fi.Size()
	}
	return total, nil
}

// inTx runs fn in one transaction, committing if fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
