package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/meshflow/meshflow/backend/model"
)

// ApplySnapshot records a refresh in one transaction, so the inventory is
// never half new: it upserts what was seen, marks what is gone, appends
// the events and records the refresh as done.
func (s *Store) ApplySnapshot(ctx context.Context, snap model.VMSnapshot) error {
	at := snap.At.UnixMilli()
	return s.inTxNamed(ctx, "apply the refresh of "+snap.Connection, func(tx *sql.Tx) error {
		// One statement for the whole listing: preparing it anew for
		// each of 1,000 VMs was most of the time the refresh spent here.
		upsert, err := tx.Prepare(upsertVMSQL)
		if err != nil {
			return err
		}
		defer upsert.Close()
		for _, vm := range snap.Seen {
			if err := upsertVM(upsert, vm, at); err != nil {
				return err
			}
		}
		for _, id := range snap.Gone {
			if _, err := tx.Exec(`UPDATE vms SET gone_at = ? WHERE connection = ? AND id = ? AND gone_at = 0`, at, snap.Connection, id); err != nil {
				return err
			}
		}
		if err := insertVMEvents(tx, snap.Events); err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO vm_refreshes (connection, at, vms, error) VALUES (?, ?, ?, '')
			ON CONFLICT (connection) DO UPDATE SET at = excluded.at, vms = excluded.vms, error = ''`,
			snap.Connection, at, len(snap.Seen))
		return err
	})
}

// FailRefresh records that a refresh of connection failed, and why; the
// VMs known stay as the last good refresh left them.
func (s *Store) FailRefresh(ctx context.Context, connection string, at time.Time, reason string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO vm_refreshes (connection, at, vms, error) VALUES (?, ?, 0, ?)
		ON CONFLICT (connection) DO UPDATE SET at = excluded.at, error = excluded.error`,
		connection, at.UnixMilli(), reason)
	if err != nil {
		return fmt.Errorf("store: record failed refresh of %s: %w", connection, err)
	}
	return nil
}

// Refreshes returns how the last refresh of each connection went.
func (s *Store) Refreshes(ctx context.Context) ([]model.RefreshStatus, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT connection, at, vms, error FROM vm_refreshes ORDER BY connection`)
	if err != nil {
		return nil, fmt.Errorf("store: refreshes: %w", err)
	}
	defer rows.Close()
	var out []model.RefreshStatus
	for rows.Next() {
		var r model.RefreshStatus
		var at int64
		if err := rows.Scan(&r.Connection, &at, &r.VMs, &r.Error); err != nil {
			return nil, fmt.Errorf("store: refreshes: %w", err)
		}
		r.At = time.UnixMilli(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SaveVM records what the cloud answered about one VM outside a refresh
// (a create, an action), with the event, in one transaction.
func (s *Store) SaveVM(ctx context.Context, vm model.VM, at time.Time, events ...model.VMEvent) error {
	return s.inTxNamed(ctx, "save vm "+vm.ID, func(tx *sql.Tx) error {
		upsert, err := tx.Prepare(upsertVMSQL)
		if err != nil {
			return err
		}
		defer upsert.Close()
		if err := upsertVM(upsert, vm, at.UnixMilli()); err != nil {
			return err
		}
		return insertVMEvents(tx, events)
	})
}

// AddVMEvent appends one event to a VM's history.
func (s *Store) AddVMEvent(ctx context.Context, e model.VMEvent) error {
	return s.inTxNamed(ctx, "add vm event", func(tx *sql.Tx) error { return insertVMEvents(tx, []model.VMEvent{e}) })
}

// VMs returns the known VMs of connection ("": of every connection), gone
// ones included, by connection then name.
func (s *Store) VMs(ctx context.Context, connection string) ([]model.VMRecord, error) {
	q := `SELECT connection, id, kind, name, state, cloud_state, region, zone, flavor, image, key_name,
		public_ips, private_ips, tags, details, token, launched_at, still_billed, first_seen, last_seen, gone_at FROM vms`
	var args []any
	if connection != "" {
		q += ` WHERE connection = ?`
		args = append(args, connection)
	}
	q += ` ORDER BY connection, name, id`
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: vms: %w", err)
	}
	defer rows.Close()
	var out []model.VMRecord
	for rows.Next() {
		r, err := scanVM(rows)
		if err != nil {
			return nil, fmt.Errorf("store: vms: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: vms: %w", err)
	}
	labels, err := s.vmLabels(ctx, connection, "")
	if err != nil {
		return nil, err
	}
	for i := range out {
		withLabels(&out[i], labels[out[i].Connection+"/"+out[i].ID])
	}
	return out, nil
}

// SetVMLabels replaces the labels of one VM.
func (s *Store) SetVMLabels(ctx context.Context, connection, id string, labels map[string]string) error {
	return s.inTxNamed(ctx, "set labels of vm "+id, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM vm_labels WHERE connection = ? AND vm_id = ?`, connection, id); err != nil {
			return err
		}
		for k, v := range labels {
			if _, err := tx.ExecContext(ctx, `INSERT INTO vm_labels (connection, vm_id, key, value) VALUES (?, ?, ?, ?)`, connection, id, k, v); err != nil {
				return err
			}
		}
		return nil
	})
}

// vmLabels reads labels, of one connection ("": all) or one VM, keyed by
// "connection/id".
func (s *Store) vmLabels(ctx context.Context, connection, id string) (map[string]map[string]string, error) {
	q, args := `SELECT connection, vm_id, key, value FROM vm_labels`, []any{}
	switch {
	case id != "":
		q, args = q+` WHERE connection = ? AND vm_id = ?`, append(args, connection, id)
	case connection != "":
		q, args = q+` WHERE connection = ?`, append(args, connection)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: vm labels: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var conn, vm, k, v string
		if err := rows.Scan(&conn, &vm, &k, &v); err != nil {
			return nil, fmt.Errorf("store: vm labels: %w", err)
		}
		ref := conn + "/" + vm
		if out[ref] == nil {
			out[ref] = map[string]string{}
		}
		out[ref][k] = v
	}
	return out, rows.Err()
}

// withLabels puts a VM's labels into its Tags, over a cloud tag of the
// same key, so that everything choosing VMs by tag sees them.
func withLabels(r *model.VMRecord, labels map[string]string) {
	if len(labels) == 0 {
		return
	}
	r.Labels = labels
	tags := make(map[string]string, len(r.Tags)+len(labels))
	maps.Copy(tags, r.Tags)
	maps.Copy(tags, labels)
	r.Tags = tags
}

// VM returns one known VM, or ErrNotFound.
func (s *Store) VM(ctx context.Context, connection, id string) (model.VMRecord, error) {
	row := s.db.QueryRowContext(ctx, `SELECT connection, id, kind, name, state, cloud_state, region, zone, flavor, image, key_name,
		public_ips, private_ips, tags, details, token, launched_at, still_billed, first_seen, last_seen, gone_at FROM vms WHERE connection = ? AND id = ?`,
		connection, id)
	r, err := scanVM(row)
	if errors.Is(err, sql.ErrNoRows) {
		return model.VMRecord{}, fmt.Errorf("store: vm %s of %s: %w", id, connection, ErrNotFound)
	}
	if err != nil {
		return model.VMRecord{}, fmt.Errorf("store: vm %s of %s: %w", id, connection, err)
	}
	labels, err := s.vmLabels(ctx, connection, id)
	if err != nil {
		return model.VMRecord{}, err
	}
	withLabels(&r, labels[connection+"/"+id])
	return r, nil
}

// VMEvents returns a VM's history, newest first, at most limit events.
func (s *Store) VMEvents(ctx context.Context, connection, id string, limit int) ([]model.VMEvent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, connection, vm_id, name, kind, from_state, to_state, message
		FROM vm_events WHERE connection = ? AND vm_id = ? ORDER BY id DESC LIMIT ?`, connection, id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: vm events: %w", err)
	}
	defer rows.Close()
	var out []model.VMEvent
	for rows.Next() {
		var e model.VMEvent
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Connection, &e.VMID, &e.Name, &e.Kind, &e.From, &e.To, &e.Message); err != nil {
			return nil, fmt.Errorf("store: vm events: %w", err)
		}
		e.At = time.UnixMilli(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// VMStarts returns, for every VM with one, the time of the newest event
// in which it started to be billed: it came to a running (or pending,
// rebooting, resizing, stopping) state from another, or was found in one.
// The forgotten-VM guard reads it for all VMs at once.
func (s *Store) VMStarts(ctx context.Context) (map[string]model.VMEvent, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT e.connection, e.vm_id, e.kind, e.at FROM vm_events e
		JOIN (SELECT MAX(id) AS id FROM vm_events
			WHERE kind IN ('appeared', 'changed')
			AND to_state IN ('pending', 'running', 'rebooting', 'resizing', 'stopping')
			AND from_state NOT IN ('pending', 'running', 'rebooting', 'resizing', 'stopping')
			GROUP BY connection, vm_id) latest ON latest.id = e.id`)
	if err != nil {
		return nil, fmt.Errorf("store: vm starts: %w", err)
	}
	defer rows.Close()
	out := map[string]model.VMEvent{}
	for rows.Next() {
		var e model.VMEvent
		var at int64
		if err := rows.Scan(&e.Connection, &e.VMID, &e.Kind, &at); err != nil {
			return nil, fmt.Errorf("store: vm starts: %w", err)
		}
		e.At = time.UnixMilli(at)
		out[e.Connection+"/"+e.VMID] = e
	}
	return out, rows.Err()
}

// UseVM records that a task of run used a VM.
func (s *Store) UseVM(ctx context.Context, connection, id string, runID int64) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO vm_uses (connection, vm_id, run_id) VALUES (?, ?, ?)`, connection, id, runID)
	if err != nil {
		return fmt.Errorf("store: record use of vm %s: %w", id, err)
	}
	return nil
}

// BusyVMs returns the VMs a queued or running run has used, by
// "connection/id".
func (s *Store) BusyVMs(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT u.connection, u.vm_id FROM vm_uses u
		JOIN runs r ON r.id = u.run_id WHERE r.state IN ('queued', 'running')`)
	if err != nil {
		return nil, fmt.Errorf("store: busy vms: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var conn, id string
		if err := rows.Scan(&conn, &id); err != nil {
			return nil, fmt.Errorf("store: busy vms: %w", err)
		}
		out[conn+"/"+id] = true
	}
	return out, rows.Err()
}

// AddVMIntent records a create before the cloud is called. A token used
// before is model.ErrConflict: the create it names is on record already.
func (s *Store) AddVMIntent(ctx context.Context, in model.VMIntent) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO vm_intents (token, connection, name, spec, request, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		in.Token, in.Connection, in.Name, in.Spec, in.Request, in.CreatedAt.UnixMilli())
	if isUniqueViolation(err) {
		return model.Errorf(model.ErrConflict, "a create with token %s is on record already", in.Token)
	}
	if err != nil {
		return fmt.Errorf("store: record create of %s: %w", in.Name, err)
	}
	return nil
}

// VMIntentsOf returns the creates made for the request with key, finished
// or not, oldest first.
func (s *Store) VMIntentsOf(ctx context.Context, key string) ([]model.VMIntent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT token, connection, name, spec, request, created_at, vm_id, error
		FROM vm_intents WHERE request = ? AND request != '' ORDER BY created_at, rowid`, key)
	if err != nil {
		return nil, fmt.Errorf("store: creates of %s: %w", key, err)
	}
	defer rows.Close()
	var out []model.VMIntent
	for rows.Next() {
		var in model.VMIntent
		var at int64
		if err := rows.Scan(&in.Token, &in.Connection, &in.Name, &in.Spec, &in.Request, &at, &in.VMID, &in.Error); err != nil {
			return nil, fmt.Errorf("store: creates of %s: %w", key, err)
		}
		in.CreatedAt = time.UnixMilli(at)
		out = append(out, in)
	}
	return out, rows.Err()
}

// FinishVMIntent records how a create ended: the VM it made, or why it
// failed for good.
func (s *Store) FinishVMIntent(ctx context.Context, token, vmID, reason string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE vm_intents SET vm_id = ?, error = ? WHERE token = ?`, vmID, reason, token)
	if err != nil {
		return fmt.Errorf("store: finish create %s: %w", token, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: finish create %s: %w", token, ErrNotFound)
	}
	return nil
}

// OpenVMIntents returns the creates the cloud has not answered yet, oldest
// first: what a crash may have interrupted.
func (s *Store) OpenVMIntents(ctx context.Context) ([]model.VMIntent, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT token, connection, name, spec, created_at FROM vm_intents
		WHERE vm_id = '' AND error = '' ORDER BY created_at, token`)
	if err != nil {
		return nil, fmt.Errorf("store: open creates: %w", err)
	}
	defer rows.Close()
	var out []model.VMIntent
	for rows.Next() {
		var in model.VMIntent
		var at int64
		if err := rows.Scan(&in.Token, &in.Connection, &in.Name, &in.Spec, &at); err != nil {
			return nil, fmt.Errorf("store: open creates: %w", err)
		}
		in.CreatedAt = time.UnixMilli(at)
		out = append(out, in)
	}
	return out, rows.Err()
}

// NextVMNumber returns the next number of the generated names that begin
// with prefix, from 1: "ann-lab-" gives 1, 2, 3 … across restarts.
func (s *Store) NextVMNumber(ctx context.Context, prefix string) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `INSERT INTO vm_name_counters (prefix, counter) VALUES (?, 1)
		ON CONFLICT (prefix) DO UPDATE SET counter = counter + 1 RETURNING counter`, prefix).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: next vm number for %s: %w", prefix, err)
	}
	return n, nil
}

// upsertVMSQL records what a cloud says of a VM, keeping what meshflow
// alone knows (its create token, its launch time) when the cloud is silent.
const upsertVMSQL = `INSERT INTO vms (connection, id, kind, name, state, cloud_state, region, zone, flavor, image, key_name,
		public_ips, private_ips, tags, details, token, launched_at, still_billed, first_seen, last_seen, gone_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
	ON CONFLICT (connection, id) DO UPDATE SET kind = excluded.kind, name = excluded.name, state = excluded.state,
		cloud_state = excluded.cloud_state, region = excluded.region, zone = excluded.zone,
		flavor = excluded.flavor, image = excluded.image, key_name = excluded.key_name,
		public_ips = excluded.public_ips, private_ips = excluded.private_ips, tags = excluded.tags,
		details = excluded.details, token = CASE WHEN excluded.token = '' THEN token ELSE excluded.token END,
		launched_at = CASE WHEN excluded.launched_at = 0 THEN launched_at ELSE excluded.launched_at END,
		still_billed = excluded.still_billed,
		last_seen = excluded.last_seen, gone_at = 0`

func upsertVM(upsert *sql.Stmt, vm model.VM, at int64) error {
	js := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	var launched int64
	if !vm.LaunchedAt.IsZero() {
		launched = vm.LaunchedAt.UnixMilli()
	}
	_, err := upsert.Exec(
		vm.Connection, vm.ID, vm.Kind, vm.Name, vm.State, vm.CloudState, vm.Region, vm.Zone, vm.Flavor, vm.Image, vm.KeyName,
		strings.Join(vm.PublicIPs, ","), strings.Join(vm.PrivateIPs, ","), js(nonNil(vm.Tags)), js(nonNil(vm.Details)),
		vm.Token, launched, vm.StillBilled, at, at)
	return err
}

func insertVMEvents(tx *sql.Tx, events []model.VMEvent) error {
	if len(events) == 0 {
		return nil
	}
	insert, err := tx.Prepare(`INSERT INTO vm_events (at, connection, vm_id, name, kind, from_state, to_state, message)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insert.Close()
	for _, e := range events {
		if _, err := insert.Exec(e.At.UnixMilli(), e.Connection, e.VMID, e.Name, e.Kind, e.From, e.To, e.Message); err != nil {
			return err
		}
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanVM(row scanner) (model.VMRecord, error) {
	var r model.VMRecord
	var pub, priv, tags, details string
	var launched, first, last, gone int64
	if err := row.Scan(&r.Connection, &r.ID, &r.Kind, &r.Name, &r.State, &r.CloudState, &r.Region, &r.Zone, &r.Flavor, &r.Image, &r.KeyName,
		&pub, &priv, &tags, &details, &r.Token, &launched, &r.StillBilled, &first, &last, &gone); err != nil {
		return r, err
	}
	// Addresses are kept comma-joined (an address holds no comma): a
	// list of thousands of VMs reads them without a JSON decode each.
	if pub != "" {
		r.PublicIPs = strings.Split(pub, ",")
	}
	if priv != "" {
		r.PrivateIPs = strings.Split(priv, ",")
	}
	for _, f := range []struct {
		src string
		dst any
	}{{tags, &r.Tags}, {details, &r.Details}} {
		if f.src == "[]" || f.src == "{}" {
			continue // empty: most tags and details; the list shows thousands
		}
		if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
			return r, fmt.Errorf("vm %s: %w", r.ID, err)
		}
	}
	if launched != 0 {
		r.LaunchedAt = time.UnixMilli(launched)
	}
	r.FirstSeen, r.LastSeen = time.UnixMilli(first), time.UnixMilli(last)
	if gone != 0 {
		r.GoneAt = time.UnixMilli(gone)
	}
	return r, nil
}

// inTxNamed is inTx with errors that say what was being done.
func (s *Store) inTxNamed(ctx context.Context, what string, fn func(*sql.Tx) error) error {
	if err := s.inTx(ctx, fn); err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// isUniqueViolation reports whether err is SQLite refusing a duplicate key.
func isUniqueViolation(err error) bool {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey || se.ExtendedCode == sqlite3.ErrConstraintUnique
}
