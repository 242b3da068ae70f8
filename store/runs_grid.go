package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// TaskRunsOf returns the tasks of several runs in one query, ordered by run
// id and task id: what the UI's grid of runs × tasks draws one page of.
// Reading a page this way costs one query whatever the number of runs, and
// the (run_id, task) primary key serves it without a scan.
func (s *Store) TaskRunsOf(ctx context.Context, runIDs []int64) ([]model.TaskRun, error) {
	if len(runIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(runIDs))
	for i, id := range runIDs {
		args[i] = id
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+taskRunColumns+`
		FROM task_runs WHERE run_id IN (?`+strings.Repeat(", ?", len(runIDs)-1)+`)
		ORDER BY run_id, task`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tasks of %d runs: %w", len(runIDs), err)
	}
	defer rows.Close()
	out := make([]model.TaskRun, 0, 16*len(runIDs))
	for rows.Next() {
		t, err := scanTaskRun(rows)
		if err != nil {
			return nil, fmt.Errorf("store: tasks of %d runs: %w", len(runIDs), err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tasks of %d runs: %w", len(runIDs), err)
	}
	return out, nil
}

// taskRunColumns are the task_runs columns scanTaskRun reads, in order.
const taskRunColumns = `run_id, task, state, try, max_tries, started_at, ended_at, next_try_at, exit_code, error, outputs,
	COALESCE(proc_group, 0), COALESCE(proc_start, 0), COALESCE(proc_boot, '')`

// scanTaskRun reads one task_runs row selected with taskRunColumns.
func scanTaskRun(row rowScanner) (model.TaskRun, error) {
	var t model.TaskRun
	var started, ended, next, exit sql.NullInt64
	var outputs sql.NullString
	if err := row.Scan(&t.RunID, &t.TaskID, &t.State, &t.Try, &t.MaxTries, &started, &ended, &next, &exit, &t.Error, &outputs,
		&t.Process.PGID, &t.Process.StartTime, &t.Process.Boot); err != nil {
		return t, err
	}
	t.StartedAt, t.EndedAt, t.NextTryAt = fromMS(started), fromMS(ended), fromMS(next)
	if exit.Valid {
		code := int(exit.Int64)
		t.ExitCode = &code
	}
	if outputs.Valid {
		if err := json.Unmarshal([]byte(outputs.String), &t.Outputs); err != nil {
			return t, fmt.Errorf("outputs of %s in run %d: %w", t.TaskID, t.RunID, err)
		}
	}
	return t, nil
}
