package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// SetVariable creates or replaces a variable. For a secret, value must
// already be sealed: the store never sees a secret in the clear.
func (s *Store) SetVariable(ctx context.Context, name string, value []byte, secret bool) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO variables (name, value, secret, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value, secret = excluded.secret, updated_at = excluded.updated_at`,
		name, value, secret, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("store: set variable %s: %w", name, err)
	}
	return nil
}

// VariableValue returns a variable's stored bytes (sealed, for a secret)
// and whether it is secret, or ErrNotFound.
func (s *Store) VariableValue(ctx context.Context, name string) ([]byte, bool, error) {
	var value []byte
	var secret bool
	err := s.db.QueryRowContext(ctx, `SELECT value, secret FROM variables WHERE name = ?`, name).Scan(&value, &secret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, fmt.Errorf("store: variable %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: variable %s: %w", name, err)
	}
	return value, secret, nil
}

// Variables lists every variable by name; secret values are left empty.
func (s *Store) Variables(ctx context.Context) ([]model.Variable, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, CASE WHEN secret THEN '' ELSE CAST(value AS TEXT) END, secret, updated_at FROM variables ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: variables: %w", err)
	}
	defer rows.Close()
	var out []model.Variable
	for rows.Next() {
		var v model.Variable
		var at int64
		if err := rows.Scan(&v.Name, &v.Value, &v.Secret, &at); err != nil {
			return nil, fmt.Errorf("store: variables: %w", err)
		}
		v.UpdatedAt = time.UnixMilli(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// DeleteVariable removes a variable; ErrNotFound if there was none.
func (s *Store) DeleteVariable(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM variables WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("store: delete variable %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: variable %s: %w", name, ErrNotFound)
	}
	return nil
}
