package engine

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

// batches records what the journal saves; it fails while failing is set.
type batches struct {
	mu      sync.Mutex
	saved   []model.Batch
	failing bool
}

func (b *batches) SaveBatch(_ context.Context, batch model.Batch) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failing {
		return errors.New("disk unavailable")
	}
	b.saved = append(b.saved, batch)
	return nil
}

func TestJournalWritesATaskOncePerBatchInItsLastState(t *testing.T) {
	tests := []struct {
		name string
		fail bool // the first write fails and is merged into the next
	}{
		{"one write", false},
		{"after a failed write", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := &batches{failing: tt.fail}
			j := newJournal(bs, slog.New(slog.DiscardHandler), nil)
			row := func(task string, state model.TaskState) model.TaskRun {
				return model.TaskRun{RunID: 1, TaskID: task, State: state, Try: 1}
			}
			j.task(row("a", model.TaskRunning), false)
			j.task(row("b", model.TaskRunning), false)
			if tt.fail {
				j.write() // fails: the batch goes back to pending
				bs.failing = false
			}
			j.task(row("a", model.TaskSuccess), true)
			j.task(row("c", model.TaskQueued), false)
			j.write()

			if len(bs.saved) != 1 {
				t.Fatalf("saved %d batches, want 1", len(bs.saved))
			}
			got := bs.saved[0]
			want := []model.TaskRun{row("a", model.TaskSuccess), row("b", model.TaskRunning), row("c", model.TaskQueued)}
			if len(got.Tasks) != len(want) {
				t.Fatalf("tasks = %+v, want %+v", got.Tasks, want)
			}
			for i := range want {
				if got.Tasks[i].TaskID != want[i].TaskID || got.Tasks[i].State != want[i].State {
					t.Errorf("task %d = %s %s, want %s %s", i, got.Tasks[i].TaskID, got.Tasks[i].State, want[i].TaskID, want[i].State)
				}
			}
			if len(got.Tries) != 1 || got.Tries[0].State != model.TaskSuccess {
				t.Errorf("tries = %+v, want a's finished try", got.Tries)
			}
		})
	}
}
