package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// SpecHash identifies a DAG definition by its content.
func SpecHash(source []byte) string {
	sum := sha256.Sum256(source)
	return hex.EncodeToString(sum[:16])
}

// Spec returns the DAG definition a run executes.
func (s *Store) Spec(ctx context.Context, hash string) ([]byte, error) {
	var src []byte
	err := s.db.QueryRowContext(ctx, `SELECT source FROM dag_specs WHERE hash = ?`, hash).Scan(&src)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: spec %s: %w", hash, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: spec %s: %w", hash, err)
	}
	return src, nil
}

// CreateRun records a new run with its tasks, and the DAG definition it
// executes, in one transaction. It fills in r.ID and r.SpecHash.
func (s *Store) CreateRun(ctx context.Context, r *model.Run, spec []byte, tasks []model.TaskRun) error {
	params, err := json.Marshal(r.Params)
	if err != nil {
		return fmt.Errorf("store: create run of %s: params: %w", r.DAG, err)
	}
	r.SpecHash = SpecHash(spec)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO dag_specs (hash, source) VALUES (?, ?)`, r.SpecHash, spec); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO runs (dag, state, trigger, logical_date, params, spec_hash, parent_run_id, queued_at, started_at, ended_at, error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.DAG, r.State, r.Trigger, r.LogicalDate.UnixMilli(), string(params), r.SpecHash, nullID(r.ParentRunID),
			r.QueuedAt.UnixMilli(), ms(r.StartedAt), ms(r.EndedAt), r.Error)
		if err != nil {
			if strings.Contains(err.Error(), "UNIQUE constraint failed: runs.dag, runs.logical_date") {
				return model.ErrDuplicateRun
			}
			return err
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		return insertTasks(ctx, tx, r.ID, tasks)
	})
	if err != nil {
		return fmt.Errorf("store: create run of %s: %w", r.DAG, err)
	}
	return nil
}

func insertTasks(ctx context.Context, tx *sql.Tx, runID int64, tasks []model.TaskRun) error {
	return execRows(ctx, tx, func(values string) string {
		return `INSERT INTO task_runs (run_id, task, state, try, max_tries) VALUES ` + values
	}, 5, len(tasks), func(i int, args []any) ([]any, error) {
		t := &tasks[i]
		return append(args, runID, t.TaskID, t.State, t.Try, t.MaxTries), nil
	})
}

// rowsPerStmt is how many rows one INSERT statement carries.
// Each statement costs a trip through database/sql and cgo besides its
// values; sharing it among 100 rows makes writing 10,000 task rows several
// times faster, and keeps a statement's variables (at most 1,000) well
// under SQLite's limit of 32,766.
const rowsPerStmt = 100

// execRows runs a statement over n rows of cols values each, rowsPerStmt
// rows at a time: query builds the statement around its VALUES list, and
// row appends the values of row i.
func execRows(ctx context.Context, tx *sql.Tx, query func(values string) string, cols, n int, row func(i int, args []any) ([]any, error)) error {
	var stmt *sql.Stmt
	stmtRows := 0
	defer func() {
		if stmt != nil {
			stmt.Close()
		}
	}()
	args := make([]any, 0, cols*min(n, rowsPerStmt))
	for start := 0; start < n; start += rowsPerStmt {
		k := min(rowsPerStmt, n-start)
		if k != stmtRows {
			if stmt != nil {
				stmt.Close()
			}
			var err error
			if stmt, err = tx.PrepareContext(ctx, query(valuesList(k, cols))); err != nil {
				return err
			}
			stmtRows = k
		}
		args = args[:0]
		for i := start; i < start+k; i++ {
			var err error
			if args, err = row(i, args); err != nil {
				return err
			}
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// valuesList is "(?, ?), (?, ?)" for rows rows of cols values.
func valuesList(rows, cols int) string {
	one := "(?" + strings.Repeat(", ?", cols-1) + ")"
	return one + strings.Repeat(", "+one, rows-1)
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// SaveBatch writes b in one transaction.
func (s *Store) SaveBatch(ctx context.Context, b model.Batch) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := updateRuns(ctx, tx, b.Runs); err != nil {
			return err
		}
		if err := updateTasks(ctx, tx, b.Tasks); err != nil {
			return err
		}
		return insertTries(ctx, tx, b.Tries)
	})
	if err != nil {
		return fmt.Errorf("store: save batch: %w", err)
	}
	return nil
}

func updateRuns(ctx context.Context, tx *sql.Tx, runs []model.Run) error {
	if len(runs) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `UPDATE runs SET state = ?, started_at = ?, ended_at = ?, error = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range runs {
		if _, err := stmt.ExecContext(ctx, r.State, ms(r.StartedAt), ms(r.EndedAt), r.Error, r.ID); err != nil {
			return err
		}
	}
	return nil
}

func updateTasks(ctx context.Context, tx *sql.Tx, tasks []model.TaskRun) error {
	if len(tasks) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, `
		UPDATE task_runs SET state = ?, try = ?, max_tries = ?, started_at = ?, ended_at = ?, next_try_at = ?, exit_code = ?, error = ?, outputs = ?,
			proc_group = ?, proc_start = ?, proc_boot = ?
		WHERE run_id = ? AND task = ?`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, t := range tasks {
		outputs, err := encodeOutputs(t.Outputs)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, t.State, t.Try, t.MaxTries, ms(t.StartedAt), ms(t.EndedAt), ms(t.NextTryAt),
			t.ExitCode, t.Error, outputs, procGroup(t.Process), procStart(t.Process), procBoot(t.Process), t.RunID, t.TaskID); err != nil {
			return err
		}
	}
	return nil
}

func insertTries(ctx context.Context, tx *sql.Tx, tries []model.TaskRun) error {
	return execRows(ctx, tx, func(values string) string {
		return `INSERT OR REPLACE INTO task_tries (run_id, task, try, state, started_at, ended_at, exit_code, error) VALUES ` + values
	}, 8, len(tries), func(i int, args []any) ([]any, error) {
		t := &tries[i]
		return append(args, t.RunID, t.TaskID, t.Try, t.State, ms(t.StartedAt), ms(t.EndedAt), t.ExitCode, t.Error), nil
	})
}

// procGroup, procStart and procBoot are a task's process columns: NULL
// when none.
func procGroup(p model.Process) any {
	if p.IsZero() {
		return nil
	}
	return p.PGID
}

func procStart(p model.Process) any {
	if p.IsZero() {
		return nil
	}
	return p.StartTime
}

func procBoot(p model.Process) any {
	if p.IsZero() {
		return nil
	}
	return p.Boot
}

func encodeOutputs(o map[string]string) (any, error) {
	if len(o) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}
