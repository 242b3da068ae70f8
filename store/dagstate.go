package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// DAGState returns what is stored about a DAG, and false when nothing is.
func (s *Store) DAGState(ctx context.Context, name string) (model.DAGState, bool, error) {
	var st model.DAGState
	var paused int
	var next, last sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT paused, next_run_at, last_scheduled_at FROM dag_state WHERE name = ?`, name).
		Scan(&paused, &next, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("store: state of dag %s: %w", name, err)
	}
	st.Paused, st.NextRunAt, st.LastScheduledAt = paused != 0, fromMS(next), fromMS(last)
	return st, true, nil
}

// SaveDAGState replaces what is stored about a DAG.
func (s *Store) SaveDAGState(ctx context.Context, name string, st model.DAGState) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO dag_state (name, paused, next_run_at, last_scheduled_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, next_run_at = excluded.next_run_at,
			last_scheduled_at = excluded.last_scheduled_at, updated_at = excluded.updated_at`,
		name, st.Paused, ms(st.NextRunAt), ms(st.LastScheduledAt), time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: save state of dag %s: %w", name, err)
	}
	return nil
}
