package engine_test

import (
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/store"
)

func TestOnCommitNamesTheRunsWritten(t *testing.T) {
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var mu sync.Mutex
	var seen []int64
	r := &rig{store: st, clock: clock.NewFake(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)), step: newStep()}
	r.onCommit = func(ids []int64) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, ids...)
	}
	r.start(t, nil)

	run := r.trigger(t, "name: tick\ntasks:\n  - {id: a, op: step}\n", nil)
	r.wait(t, run.ID)
	eventually(t, "OnCommit is told about the run", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(seen, run.ID)
	})
	mu.Lock()
	defer mu.Unlock()
	if i := slices.IndexFunc(seen, func(id int64) bool { return id != run.ID }); i >= 0 {
		t.Errorf("OnCommit named run %d, which was never started", seen[i])
	}
}
