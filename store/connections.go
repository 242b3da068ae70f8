package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// The store keeps a connection's secrets as one sealed blob and, beside
// it, the names of the secrets set, so a list can say "set" without
// opening anything. It never sees a secret in the clear: a Connection's
// Secrets here hold only keys, each with an empty value.

const connectionColumns = `id, name, kind, settings, defaults, hosts, secret_keys, active, source, created_at, updated_at`

// Connections lists every connection by name, secrets masked.
func (s *Store) Connections(ctx context.Context) ([]model.Connection, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+connectionColumns+` FROM connections ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("store: connections: %w", err)
	}
	defer rows.Close()
	var out []model.Connection
	for rows.Next() {
		c, err := scanConnection(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: connections: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Connection returns one connection, secrets masked, and its sealed
// secrets; ErrNotFound if there is none by that name.
func (s *Store) Connection(ctx context.Context, name string) (model.Connection, []byte, error) {
	var sealed []byte
	row := s.db.QueryRowContext(ctx, `SELECT `+connectionColumns+`, secrets FROM connections WHERE name = ?`, name)
	c, err := scanConnection(func(dest ...any) error { return row.Scan(append(dest, &sealed)...) })
	if errors.Is(err, sql.ErrNoRows) {
		return c, nil, fmt.Errorf("store: connection %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return c, nil, fmt.Errorf("store: connection %s: %w", name, err)
	}
	return c, sealed, nil
}

// PutConnection adds c (ID 0) or replaces the connection with c's ID, with
// sealed as its secrets, and returns it as stored. A name taken by another
// connection is model.ErrConflict.
func (s *Store) PutConnection(ctx context.Context, c model.Connection, sealed []byte) (model.Connection, error) {
	settings, _ := json.Marshal(nonNil(c.Settings))
	defaults, _ := json.Marshal(nonNil(c.Defaults))
	hosts, _ := json.Marshal(c.Hosts)
	if c.Hosts == nil {
		hosts = []byte("[]")
	}
	keys, _ := json.Marshal(slices.Sorted(maps.Keys(nonNil(c.Secrets))))
	now := time.Now()
	var err error
	if c.ID == 0 {
		var res sql.Result
		res, err = s.db.ExecContext(ctx, `
			INSERT INTO connections (name, kind, settings, defaults, hosts, secret_keys, secrets, active, source, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Name, c.Kind, string(settings), string(defaults), string(hosts), string(keys), sealed, c.Active, c.Source, now.UnixMilli(), now.UnixMilli())
		if err == nil {
			c.ID, err = res.LastInsertId()
		}
	} else {
		var res sql.Result
		res, err = s.db.ExecContext(ctx, `
			UPDATE connections SET name = ?, kind = ?, settings = ?, defaults = ?, hosts = ?, secret_keys = ?, secrets = ?,
				active = ?, source = ?, updated_at = ? WHERE id = ?`,
			c.Name, c.Kind, string(settings), string(defaults), string(hosts), string(keys), sealed, c.Active, c.Source, now.UnixMilli(), c.ID)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return c, fmt.Errorf("store: connection %s: %w", c.Name, ErrNotFound)
			}
		}
	}
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: connections.name") {
		return c, model.Errorf(model.ErrConflict, "a connection named %s exists already", c.Name)
	}
	if err != nil {
		return c, fmt.Errorf("store: put connection %s: %w", c.Name, err)
	}
	stored, _, err := s.Connection(ctx, c.Name)
	return stored, err
}

// DeleteConnection removes a connection; ErrNotFound if there was none.
func (s *Store) DeleteConnection(ctx context.Context, name string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM connections WHERE name = ?`, name)
	if err != nil {
		return fmt.Errorf("store: delete connection %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: connection %s: %w", name, ErrNotFound)
	}
	return nil
}

func scanConnection(scan func(...any) error) (model.Connection, error) {
	var c model.Connection
	var settings, defaults, hosts, keys string
	var created, updated int64
	if err := scan(&c.ID, &c.Name, &c.Kind, &settings, &defaults, &hosts, &keys, &c.Active, &c.Source, &created, &updated); err != nil {
		return c, err
	}
	var names []string
	err := errors.Join(
		json.Unmarshal([]byte(settings), &c.Settings),
		json.Unmarshal([]byte(defaults), &c.Defaults),
		json.Unmarshal([]byte(hosts), &c.Hosts),
		json.Unmarshal([]byte(keys), &names),
	)
	c.Secrets = map[string]string{}
	for _, k := range names {
		c.Secrets[k] = ""
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created), time.UnixMilli(updated)
	return c, err
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// KeyFingerprint returns the fingerprint of the master key this data
// dir's secrets are sealed with, and where that key lives; both empty
// before the first key.
func (s *Store) KeyFingerprint(ctx context.Context) (fingerprint, source string, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT fingerprint, source FROM vault_key WHERE id = 1`).Scan(&fingerprint, &source)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("store: key fingerprint: %w", err)
	}
	return fingerprint, source, nil
}

// SetKeyFingerprint records the master key's fingerprint and source, once:
// a second, different key is refused rather than taken for the first.
func (s *Store) SetKeyFingerprint(ctx context.Context, fingerprint, source string) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO vault_key (id, fingerprint, source) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING`, fingerprint, source)
	if err != nil {
		return fmt.Errorf("store: set key fingerprint: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		got, _, err := s.KeyFingerprint(ctx)
		if err == nil && got != fingerprint {
			return model.Errorf(model.ErrConflict, "this data dir was sealed with another master key (fingerprint %s)", got)
		}
		return err
	}
	return nil
}
