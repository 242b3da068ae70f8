package model

import "time"

// RunState is where a DAG run is in its life.
type RunState string

const (
	RunQueued    RunState = "queued"    // waiting for a free slot (max_active_runs)
	RunRunning   RunState = "running"   // tasks are being executed
	RunSuccess   RunState = "success"   // every task ended without failing
	RunFailed    RunState = "failed"    // at least one task failed or could not run because of a failure
	RunCancelled RunState = "cancelled" // stopped by a user
)

// RunStates are the states of a run, in the order of its life.
var RunStates = []RunState{RunQueued, RunRunning, RunSuccess, RunFailed, RunCancelled}

// Done reports whether the run has ended.
func (s RunState) Done() bool { return s == RunSuccess || s == RunFailed || s == RunCancelled }

// TaskState is where one task of a run is.
type TaskState string

const (
	TaskQueued         TaskState = "queued"          // waiting for its upstream tasks or a free slot
	TaskRunning        TaskState = "running"         // a try is executing
	TaskSuccess        TaskState = "success"         // the last try succeeded
	TaskFailed         TaskState = "failed"          // the last try failed and no retries are left
	TaskUpForRetry     TaskState = "up_for_retry"    // a try failed; the next one waits for its delay
	TaskSkipped        TaskState = "skipped"         // its trigger rule or `when` said not to run
	TaskUpstreamFailed TaskState = "upstream_failed" // could not run because an upstream task failed
	TaskCancelled      TaskState = "cancelled"       // stopped by a user, or its run was cancelled
)

// Done reports whether the task has reached a final state.
func (s TaskState) Done() bool {
	switch s {
	case TaskSuccess, TaskFailed, TaskSkipped, TaskUpstreamFailed, TaskCancelled:
		return true
	}
	return false
}

// Trigger says what started a run.
type Trigger string

const (
	TriggerManual   Trigger = "manual"   // the UI's trigger button
	TriggerSchedule Trigger = "schedule" // the DAG's cron schedule
	TriggerCLI      Trigger = "cli"      // meshflow dag trigger / test
	TriggerAPI      Trigger = "api"      // the REST API
	TriggerDAG      Trigger = "dag"      // a trigger_dag task of another run
)

// Run is one execution of a DAG.
type Run struct {
	ID          int64
	DAG         string
	State       RunState
	Trigger     Trigger
	LogicalDate time.Time // the scheduled time it stands for; the trigger time for manual runs
	Params      map[string]any
	SpecHash    string // identifies the DAG definition the run executes (see Store.Spec)
	ParentRunID int64  // the run whose trigger_dag task started this one; 0 if none
	QueuedAt    time.Time
	StartedAt   time.Time // zero until it starts
	EndedAt     time.Time // zero until it ends
	Error       string    // why it failed or was cancelled, for people
}

// TaskRun is the state of one task within a run: its current or last try.
type TaskRun struct {
	RunID     int64
	TaskID    string
	State     TaskState
	Try       int // 1 for the first try; 0 before the first starts
	MaxTries  int // 1 + retries
	StartedAt time.Time
	EndedAt   time.Time
	NextTryAt time.Time // when an up_for_retry task tries again
	ExitCode  *int      // exit status of a process-running op; nil otherwise
	Error     string
	Outputs   map[string]string
	// Process identifies what the current try runs, while it runs, so that
	// a meshflow restarted after a crash can end what the try left behind
	// before it retries. Zero when the op started no process or it ended.
	Process Process
}

// Process identifies the process group a try started. A pid alone is not
// enough: once a process is gone the system may give its pid to another,
// so the leader's start time is kept too and must match before anything
// is signalled.
type Process struct {
	PGID int // the process group's id, which is its leader's pid
	// StartTime is when the leader started, in the system's own unit (on
	// Linux clock ticks since boot, field 22 of /proc/<pid>/stat); 0 where
	// it cannot be read.
	StartTime int64
	// Boot names the boot of the machine it ran in (on Linux its boot_id):
	// after a reboot the same pid and start time can be another process.
	Boot string
}

// IsZero reports whether no process is recorded.
func (p Process) IsZero() bool { return p.PGID == 0 }

// DAGState is what meshflow keeps about a DAG besides its file: whether it
// is paused and where its schedule stands.
type DAGState struct {
	Paused          bool
	NextRunAt       time.Time // zero: none
	LastScheduledAt time.Time // the latest scheduled time dealt with; zero: none
}

// RunFilter selects runs, newest first. Zero fields do not filter; set
// fields must all match.
type RunFilter struct {
	DAG string
	// Tag selects the runs of the DAGs that carry it. The workflow service
	// turns it into DAGs, since tags live in the DAG files; the store
	// refuses a filter that still has one.
	Tag      string
	DAGs     []string // runs of any of these DAGs; empty: any DAG
	States   []RunState
	Triggers []Trigger
	From     time.Time // only runs queued at or after From
	To       time.Time // only runs queued before To
	BeforeID int64     // only runs with a smaller id: the next page
	Limit    int       // default 50
}

// Try is one finished try of a task, as kept in the run's history: a
// retried or cleared task keeps every try it made.
type Try struct {
	TaskID    string
	Try       int
	State     TaskState // up_for_retry for a failed try that was retried
	StartedAt time.Time
	EndedAt   time.Time
	ExitCode  *int
	Error     string
}

// Failed reports whether the try ended in failure, retried or not.
func (t Try) Failed() bool { return t.State == TaskFailed || t.State == TaskUpForRetry }
