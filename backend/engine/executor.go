package engine

import (
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// Attempt is one try of one task, handed to an Executor. It holds only
// plain data so that a distributed executor can ship it to a worker.
type Attempt struct {
	DAG     string
	Queue   string // the task's queue; "" is the default executor's, see Router
	RunID   int64
	TaskID  string
	Try     int
	Op      string
	Args    map[string]any // rendered
	Env     []string       // MESHFLOW_* variables for processes
	Timeout time.Duration  // 0: none
	Secrets []string       // values to mask in the log, errors and outputs: all the run's
}

// Report is what an executor tells the engine about an attempt: that it
// started, or how it ended.
type Report struct {
	RunID  int64
	TaskID string
	Try    int

	Started bool // true: the attempt began executing at At; only Process may be set too
	// Process, with Started, is what the attempt runs, if it started a
	// process that can outlive meshflow; zero otherwise.
	Process   model.Process
	At        time.Time
	Outputs   map[string]string
	Err       string // empty on success
	ExitCode  *int
	TimedOut  bool
	Cancelled bool
}

// Executor runs attempts somewhere and reports on them.
type Executor interface {
	// Submit queues an attempt; it must not block. Reports go to the
	// channel given to the executor when it was made.
	Submit(a Attempt)
	// Cancel stops an attempt if it is queued or running; it then reports
	// it ended with Cancelled set.
	Cancel(runID int64, taskID string)
}
