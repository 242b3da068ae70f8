package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

// A run larger than one multi-row INSERT (100 rows) has every task stored,
// and every one ends in the store as it did in memory.
func TestLargeRunStoresEveryTask(t *testing.T) {
	r := newRig(t, nil)
	var src strings.Builder
	src.WriteString("name: large\ntasks:\n")
	for i := range 250 {
		fmt.Fprintf(&src, "  - {id: t%03d, op: noop}\n", i)
	}
	run := r.trigger(t, src.String(), nil)
	if got := r.wait(t, run.ID); got.State != model.RunSuccess {
		t.Fatalf("run = %s (%s)", got.State, got.Error)
	}
	tasks := r.tasks(t, run.ID)
	if len(tasks) != 250 {
		t.Fatalf("stored %d tasks, want 250", len(tasks))
	}
	for id, row := range tasks {
		if row.State != model.TaskSuccess || row.Try != 1 || row.StartedAt.IsZero() || row.EndedAt.IsZero() {
			t.Errorf("%s = %+v", id, row)
		}
	}
}
