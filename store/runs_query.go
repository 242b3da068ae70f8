package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

const runColumns = `id, dag, state, trigger, logical_date, params, spec_hash, COALESCE(parent_run_id, 0),
	queued_at, started_at, ended_at, error`

type rowScanner interface{ Scan(dest ...any) error }

func scanRun(row rowScanner) (model.Run, error) {
	var r model.Run
	var logical, queued int64
	var params string
	var started, ended sql.NullInt64
	err := row.Scan(&r.ID, &r.DAG, &r.State, &r.Trigger, &logical, &params, &r.SpecHash, &r.ParentRunID,
		&queued, &started, &ended, &r.Error)
	if err != nil {
		return r, err
	}
	r.LogicalDate, r.QueuedAt = time.UnixMilli(logical), time.UnixMilli(queued)
	r.StartedAt, r.EndedAt = fromMS(started), fromMS(ended)
	if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
		return r, fmt.Errorf("params of run %d: %w", r.ID, err)
	}
	return r, nil
}

// Run returns one run, or ErrNotFound.
func (s *Store) Run(ctx context.Context, id int64) (model.Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("store: run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return r, fmt.Errorf("store: run %d: %w", id, err)
	}
	return r, nil
}

// Runs returns the runs that match f, newest first.
func (s *Store) Runs(ctx context.Context, f model.RunFilter) ([]model.Run, error) {
	where, args, err := runWhere(f)
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	if f.BeforeID > 0 {
		where, args = append(where, "id < ?"), append(args, f.BeforeID)
	}
	q := `SELECT ` + runColumns + ` FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)

	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	defer rows.Close()
	var out []model.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: runs: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: runs: %w", err)
	}
	return out, nil
}

// CountRuns counts the runs that match f, on every page: BeforeID and
// Limit do not count.
func (s *Store) CountRuns(ctx context.Context, f model.RunFilter) (int, error) {
	where, args, err := runWhere(f)
	if err != nil {
		return 0, fmt.Errorf("store: count runs: %w", err)
	}
	q := `SELECT COUNT(*) FROM runs`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	var n int
	if err := s.db.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count runs: %w", err)
	}
	return n, nil
}

// runWhere is the WHERE clause of f, but for its page: the conditions,
// to be joined by AND, and their arguments.
func runWhere(f model.RunFilter) ([]string, []any, error) {
	if f.Tag != "" {
		return nil, nil, errors.New("a filter by tag must name its DAGs")
	}
	var where []string
	var args []any
	if f.DAG != "" {
		where, args = append(where, "dag = ?"), append(args, f.DAG)
	}
	if len(f.DAGs) > 0 {
		where, args = appendIn(where, args, "dag", f.DAGs)
	}
	if len(f.States) > 0 {
		where, args = appendIn(where, args, "state", f.States)
	}
	if len(f.Triggers) > 0 {
		where, args = appendIn(where, args, "trigger", f.Triggers)
	}
	if !f.From.IsZero() {
		where, args = append(where, "queued_at >= ?"), append(args, f.From.UnixMilli())
	}
	if !f.To.IsZero() {
		where, args = append(where, "queued_at < ?"), append(args, f.To.UnixMilli())
	}
	return where, args, nil
}

// appendIn adds "col IN (?, …)" over values.
func appendIn[T ~string](where []string, args []any, col string, values []T) ([]string, []any) {
	where = append(where, col+" IN (?"+strings.Repeat(", ?", len(values)-1)+")")
	for _, v := range values {
		args = append(args, string(v))
	}
	return where, args
}

// ActiveRuns returns every queued or running run, oldest first: the work a
// restarted engine must pick up.
func (s *Store) ActiveRuns(ctx context.Context) ([]model.Run, error) {
	runs, err := s.Runs(ctx, model.RunFilter{States: []model.RunState{model.RunQueued, model.RunRunning}, Limit: 1 << 30})
	for i, j := 0, len(runs)-1; i < j; i, j = i+1, j-1 {
		runs[i], runs[j] = runs[j], runs[i]
	}
	return runs, err
}

// TaskRuns returns the tasks of a run, in no particular order.
func (s *Store) TaskRuns(ctx context.Context, runID int64) ([]model.TaskRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+taskRunColumns+` FROM task_runs WHERE run_id = ?`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: tasks of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []model.TaskRun
	for rows.Next() {
		t, err := scanTaskRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tasks of run %d: %w", runID, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tasks of run %d: %w", runID, err)
	}
	return out, nil
}

// Tries returns every finished try of every task of a run, by task then
// try.
func (s *Store) Tries(ctx context.Context, runID int64) ([]model.Try, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT task, try, state, started_at, ended_at, exit_code, error
		FROM task_tries WHERE run_id = ? ORDER BY task, try`, runID)
	if err != nil {
		return nil, fmt.Errorf("store: tries of run %d: %w", runID, err)
	}
	defer rows.Close()
	var out []model.Try
	for rows.Next() {
		var t model.Try
		var started, ended, exit sql.NullInt64
		if err := rows.Scan(&t.TaskID, &t.Try, &t.State, &started, &ended, &exit, &t.Error); err != nil {
			return nil, fmt.Errorf("store: tries of run %d: %w", runID, err)
		}
		t.StartedAt, t.EndedAt = fromMS(started), fromMS(ended)
		if exit.Valid {
			code := int(exit.Int64)
			t.ExitCode = &code
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tries of run %d: %w", runID, err)
	}
	return out, nil
}
