package cli

import (
	"os"
	"path/filepath"
	"testing"
)

// dag trigger says where the run stands as its page does: queued behind
// the DAG's other runs, or running with its tasks waiting for a pool slot,
// and why.
func TestDAGTriggerPrintsTheRunsRealState(t *testing.T) {
	dir := t.TempDir()
	if _, err := runIn(t.Context(), dir, "dag", "list"); err != nil { // seeds the data dir
		t.Fatal(err)
	}
	files := map[string]string{
		"meshflow.yaml":    "pools:\n  one: 1\n",
		"dags/holder.yaml": "name: holder\nmax_active_runs: 1\ntasks:\n  - id: hold\n    op: shell\n    with:\n      command: sleep 30\n",
		"dags/pooled.yaml": "name: pooled\nmax_active_runs: 2\ntasks:\n  - id: work\n    op: shell\n    pool: one\n    with:\n      command: sleep 30\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	startServe(t, dir)
	for _, tt := range []struct{ dag, want string }{
		{"holder", "run 1 of holder: running\n"},
		{"holder", "run 2 of holder: queued. It waits for run 1 of holder to end: the DAG's max_active_runs is 1.\n"},
		{"pooled", "run 3 of pooled: running\n"},
		{"pooled", "run 4 of pooled: running\n  task work waits for a slot in pool one: all 1 are taken\n"},
	} {
		out, err := runIn(t.Context(), dir, "dag", "trigger", tt.dag)
		if err != nil || out != tt.want {
			t.Errorf("dag trigger %s = %q, %v; want %q", tt.dag, out, err, tt.want)
		}
	}
	for _, id := range []string{"4", "3", "2", "1"} {
		if out, err := runIn(t.Context(), dir, "dag", "cancel", id); err != nil {
			t.Errorf("cancel %s: %v %s", id, err, out)
		}
	}
}
