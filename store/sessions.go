package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AddSession records a browser session by the hash of its id.
func (s *Store) AddSession(ctx context.Context, idHash string, created, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO sessions (id_hash, created_at, expires_at) VALUES (?, ?, ?)`,
		idHash, created.UnixMilli(), expires.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: add session: %w", err)
	}
	return nil
}

// SessionExpiry returns when the session with this id hash expires, and
// false when there is no such session.
func (s *Store) SessionExpiry(ctx context.Context, idHash string) (time.Time, bool, error) {
	var expires int64
	err := s.db.QueryRowContext(ctx, `SELECT expires_at FROM sessions WHERE id_hash = ?`, idHash).Scan(&expires)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("store: session: %w", err)
	}
	return time.UnixMilli(expires), true, nil
}

// DeleteSession forgets a session; forgetting an unknown one is no error.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions forgets every session that expired before now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= ?`, now.UnixMilli()); err != nil {
		return fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return nil
}
