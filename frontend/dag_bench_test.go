package frontend_test

import (
	"database/sql"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/store"
)

// Benchmark (e) of the workflow issue: the DAG page and its grid with
// 10,000 runs × 100 tasks in the database, handler to bytes. The target is
// under 50 ms per render.
const (
	benchRuns  = 10_000
	benchTasks = 100
)

func BenchmarkDAGPage(b *testing.B) {
	f := newBigFixture(b)
	benchPages(b, f, []string{"/dags/big", "/dags/big?run=5000", "/dags", "/runs", "/runs?state=failed", "/runs?state=cancelled", "/runs/10000"})
}

func BenchmarkGridPage(b *testing.B) {
	f := newBigFixture(b)
	benchPages(b, f, []string{"/dags/big?view=grid", "/dags/big?view=grid&before=5000", "/dags/big?view=code"})
}

func benchPages(b *testing.B, f *fixture, paths []string) {
	for _, path := range paths {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				f.handler.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != 200 {
					b.Fatalf("%s = %d\n%.500s", path, rec.Code, rec.Body)
				}
			}
		})
	}
}

// newBigFixture adds the DAG "big" (100 tasks in 10 layers of 10, each
// needing one task of the layer before) and 10,000 ended runs of it, every
// tenth one failed, written in one transaction of plain SQL: going through
// the store run by run would take minutes.
func newBigFixture(b *testing.B) *fixture {
	b.Helper()
	f := newFixtureTB(b, false)
	var y strings.Builder
	y.WriteString("name: big\ndescription: 100 tasks in 10 layers.\ntasks:\n")
	for i := range benchTasks {
		fmt.Fprintf(&y, "  - id: t%03d\n    op: noop\n", i)
		if i >= 10 {
			fmt.Fprintf(&y, "    needs: [t%03d]\n", i-10+(i%3))
		}
	}
	src := y.String()
	if err := os.WriteFile(filepath.Join(f.info.DAGDir, "big.yaml"), []byte(src), 0o600); err != nil {
		b.Fatal(err)
	}
	if _, err := f.folder.Load(); err != nil {
		b.Fatal(err)
	}
	if e, _ := f.folder.Get("big"); e == nil {
		b.Fatal("big.yaml does not load")
	}
	start := time.Now()
	fillRuns(b, f.info.DBPath, store.SpecHash([]byte(src)), src)
	b.Logf("wrote %d runs × %d tasks in %v", benchRuns, benchTasks, time.Since(start).Round(time.Millisecond))
	return f
}

func fillRuns(b *testing.B, path, hash, src string) {
	b.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t0 := time.Now().Add(-benchRuns * time.Minute).UnixMilli()
	tx, err := db.BeginTx(b.Context(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	steps := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO dag_specs (hash, source) VALUES (?, ?)`, []any{hash, []byte(src)}},
		{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
		INSERT INTO runs (id, dag, state, trigger, logical_date, params, spec_hash, queued_at, started_at, ended_at, error)
		SELECT i, 'big', IIF(i % 10 = 0, 'failed', 'success'), 'schedule', ?1 + i * 60000, '{}', ?3,
			?1 + i * 60000, ?1 + i * 60000 + 500, ?1 + i * 60000 + 30000, IIF(i % 10 = 0, 'task t050 failed', '')
		FROM n`, []any{t0, benchRuns, hash}},
		{`WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < ? - 1)
		INSERT INTO task_runs (run_id, task, state, try, max_tries, started_at, ended_at, exit_code, error)
		SELECT r.id, printf('t%03d', k.j),
			CASE WHEN r.state = 'failed' AND k.j = 50 THEN 'failed'
				WHEN r.state = 'failed' AND k.j > 50 AND k.j % 10 = 0 THEN 'upstream_failed' ELSE 'success' END,
			1, 1, r.started_at + k.j * 250, r.started_at + k.j * 250 + 200, 0, ''
		FROM runs r, k ORDER BY r.id, 2`, []any{benchTasks}},
	}
	for _, st := range steps {
		if _, err := tx.Exec(st.q, st.args...); err != nil {
			b.Fatalf("fill: %v\n%s", err, st.q)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
