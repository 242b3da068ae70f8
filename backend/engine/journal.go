package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// journal writes the engine's state changes to the store in the background,
// grouping whatever accumulated while the previous write ran into one
// transaction. The engine loop never waits for the disk; the database
// trails memory by at most one write. Callbacks registered with after run
// once the changes before them are committed, which is how "the run has
// finished" is announced only when it is durable.
type journal struct {
	store  BatchStore
	logger *slog.Logger
	// onCommit, if set, is told which runs each committed batch changed.
	onCommit func(runIDs []int64)

	mu      sync.Mutex
	pending model.Batch
	// taskAt finds a task's row in pending.Tasks. A task that starts and
	// ends between two writes is written once, in its last state: the rows
	// carry every field, so the last one says all the earlier ones did.
	taskAt map[taskKey]int
	after  []func()
	wake   chan struct{}
	done   chan struct{} // closed when loop has written its last batch
}

type taskKey struct {
	run  int64
	task string
}

// BatchStore persists batches of state changes.
type BatchStore interface {
	SaveBatch(ctx context.Context, b model.Batch) error
}

func newJournal(s BatchStore, logger *slog.Logger, onCommit func(runIDs []int64)) *journal {
	return &journal{store: s, logger: logger, onCommit: onCommit, taskAt: map[taskKey]int{}, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (j *journal) run(r model.Run) {
	j.mu.Lock()
	j.pending.Runs = append(j.pending.Runs, r)
	j.mu.Unlock()
	j.poke()
}

func (j *journal) task(t model.TaskRun, finishedTry bool) {
	j.mu.Lock()
	k := taskKey{t.RunID, t.TaskID}
	if i, ok := j.taskAt[k]; ok {
		j.pending.Tasks[i] = t
	} else {
		j.taskAt[k] = len(j.pending.Tasks)
		j.pending.Tasks = append(j.pending.Tasks, t)
	}
	if finishedTry {
		j.pending.Tries = append(j.pending.Tries, t)
	}
	j.mu.Unlock()
	j.poke()
}

// afterCommit runs fn once everything journaled so far is committed.
func (j *journal) afterCommit(fn func()) {
	j.mu.Lock()
	j.after = append(j.after, fn)
	j.mu.Unlock()
	j.poke()
}

func (j *journal) poke() {
	select {
	case j.wake <- struct{}{}:
	default:
	}
}

// loop writes batches until ctx ends, then writes what is left.
func (j *journal) loop(ctx context.Context) {
	defer close(j.done)
	for {
		select {
		case <-j.wake:
			j.write()
		case <-ctx.Done():
			j.write()
			return
		}
	}
}

// write commits the pending batch. A failed write is retried with the next
// one, so nothing is dropped while the disk is briefly unavailable.
func (j *journal) write() {
	j.mu.Lock()
	b, after := j.pending, j.after
	j.pending, j.after = model.Batch{}, nil
	clear(j.taskAt)
	j.mu.Unlock()

	if !b.Empty() {
		if err := j.store.SaveBatch(context.Background(), b); err != nil {
			j.logger.Error("engine: save state", "err", err)
			j.mu.Lock()
			j.pending = mergeBatch(b, j.pending)
			j.reindex()
			j.after = append(after, j.after...)
			j.mu.Unlock()
			time.Sleep(100 * time.Millisecond)
			j.poke()
			return
		}
		if j.onCommit != nil {
			j.onCommit(batchRuns(b))
		}
	}
	for _, fn := range after {
		fn()
	}
}

// flush waits until everything journaled before the call is committed.
func (j *journal) flush(ctx context.Context) error {
	done := make(chan struct{})
	j.afterCommit(func() { close(done) })
	select {
	case <-done:
		return nil
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// reindex rebuilds taskAt after a merge, keeping each task's last row.
func (j *journal) reindex() {
	clear(j.taskAt)
	tasks := j.pending.Tasks[:0]
	for _, t := range j.pending.Tasks {
		k := taskKey{t.RunID, t.TaskID}
		if i, ok := j.taskAt[k]; ok {
			tasks[i] = t
			continue
		}
		j.taskAt[k] = len(tasks)
		tasks = append(tasks, t)
	}
	j.pending.Tasks = tasks
}

// batchRuns lists the runs a batch has rows of, each once.
func batchRuns(b model.Batch) []int64 {
	seen := map[int64]bool{}
	var ids []int64
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, r := range b.Runs {
		add(r.ID)
	}
	for _, t := range b.Tasks {
		add(t.RunID)
	}
	for _, t := range b.Tries {
		add(t.RunID)
	}
	return ids
}

func mergeBatch(a, b model.Batch) model.Batch {
	return model.Batch{
		Runs:  append(a.Runs, b.Runs...),
		Tasks: append(a.Tasks, b.Tasks...),
		Tries: append(a.Tries, b.Tries...),
	}
}
