package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mattn/go-sqlite3"
)

// ErrExists is returned when an operation would overwrite a file.
var ErrExists = errors.New("file already exists")

// Backup writes a consistent copy of the database to dest with SQLite's
// online backup API, so it is safe while other connections and processes
// keep writing. The copy is built beside dest under a temporary name, checked
// with PRAGMA integrity_check and only then renamed into place: dest either
// does not exist or is a complete, verified database.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("store: backup to %s: %w; choose a new name or remove it first", dest, ErrExists)
	}
	tmp := dest + ".partial"
	_ = os.Remove(tmp) // a leftover from an interrupted backup
	// Created first, so that SQLite writes into a file only its owner can
	// read: the copy holds what the database does.
	if err := createNew(tmp); err != nil {
		return fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	if err := s.backupTo(ctx, tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("store: backup to %s: %w", dest, err)
	}
	return nil
}

func (s *Store) backupTo(ctx context.Context, path string) error {
	// The copy is a single file: no WAL, fully synced.
	destDB, err := sql.Open("sqlite3", fileURI(path)+"?_journal_mode=DELETE&_synchronous=FULL")
	if err != nil {
		return err
	}
	defer destDB.Close()
	destConn, err := destDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer destConn.Close()
	srcConn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer srcConn.Close()

	err = destConn.Raw(func(d any) error {
		return srcConn.Raw(func(src any) error {
			return copyDatabase(ctx, d.(*sqlite3.SQLiteConn), src.(*sqlite3.SQLiteConn))
		})
	})
	if err != nil {
		return err
	}
	return integrityCheck(ctx, destConn)
}

// copyDatabase copies all pages in one step, which holds a read transaction
// on the source for the duration: in WAL mode writers carry on meanwhile, and
// the copy is the snapshot the step started from. SQLITE_BUSY from a
// checkpoint in another process is retried until ctx ends.
func copyDatabase(ctx context.Context, dest, src *sqlite3.SQLiteConn) error {
	b, err := dest.Backup("main", src, "main")
	if err != nil {
		return err
	}
	for {
		done, err := b.Step(-1)
		if done {
			return b.Finish()
		}
		if err != nil && !isBusy(err) {
			_ = b.Finish()
			return err
		}
		select {
		case <-ctx.Done():
			_ = b.Finish()
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLite saying "try again later".
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// integrityCheck runs PRAGMA integrity_check and turns its report into an error.
func integrityCheck(ctx context.Context, conn *sql.Conn) error {
	var result string
	if err := conn.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&result); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("integrity check: %s", result)
	}
	return nil
}

// IntegrityCheck runs PRAGMA integrity_check on the open database.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer conn.Close()
	if err := integrityCheck(ctx, conn); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
