// Package dag owns the DAG definition: the YAML format (decoded from
// yaml.v3 nodes so comments and key order survive a round trip), its
// validation with file:line:column errors, the execution plan (topological
// order, cycle detection) and the templating of task arguments. It does no
// I/O beyond what the caller hands it.
package dag

import (
	"time"

	"gopkg.in/yaml.v3"
)

// DAG is one workflow definition, decoded from one YAML file.
type DAG struct {
	Name          string
	Description   string
	Tags          []string
	Schedule      string        // cron (5 fields, optional seconds) or a descriptor such as @daily; empty: manual only
	Timezone      string        // IANA name the schedule is read in; empty: the machine's local zone
	Catchup       CatchupPolicy // what to do about scheduled times missed while meshflow was not running
	MaxActiveRuns int           // runs of this DAG allowed at once; 0 means DefaultMaxActiveRuns
	Overlap       OverlapPolicy // what a scheduled run does when MaxActiveRuns are already active
	// StartPaused pauses the schedule the first time meshflow meets the
	// DAG, for a DAG that needs setting up (a connection, a tag) before it
	// may run on its own; after that the pause is the user's to lift.
	StartPaused bool
	Params      []Param        // in file order; they generate the trigger form
	Vars        []Var          // DAG-level variables; override global ones of the same name
	Defaults    TaskDefaults   // apply to every task that does not set its own
	Tasks       []Task         // in file order
	Pos         map[string]Pos // where each top-level key is, for error messages
	// Warnings are the problems Validate found that do not stop the DAG
	// from loading or running, such as a param pasted unquoted into a
	// shell command; in file order, each with Warning set.
	Warnings Errors

	// File is the path the DAG was read from; errors are reported against it.
	File string
	// doc is the YAML document it was decoded from, kept so that a save can
	// re-encode it with comments and key order intact.
	doc *yaml.Node
}

// DefaultMaxActiveRuns applies when a DAG does not set max_active_runs.
const DefaultMaxActiveRuns = 1

// CatchupPolicy says which missed scheduled runs are started when meshflow
// comes back after downtime.
type CatchupPolicy string

const (
	CatchupNone   CatchupPolicy = "none"   // skip them all; wait for the next scheduled time (default)
	CatchupLatest CatchupPolicy = "latest" // run once, for the most recent missed time
	CatchupAll    CatchupPolicy = "all"    // run once for every missed time, oldest first
)

// OverlapPolicy says what a scheduled run does when the DAG already has
// MaxActiveRuns active runs.
type OverlapPolicy string

const (
	OverlapSkip  OverlapPolicy = "skip"  // drop this scheduled run (default)
	OverlapQueue OverlapPolicy = "queue" // wait until a run finishes
)

// ParamType is the type of a run parameter.
type ParamType string

const (
	ParamString ParamType = "string"
	ParamInt    ParamType = "int"
	ParamBool   ParamType = "bool"
	ParamEnum   ParamType = "enum" // one of Param.Values
	ParamList   ParamType = "list" // a list of strings
)

// Param is a typed run parameter. Its value is available to templates as
// .params.<Name>.
type Param struct {
	Name        string
	Type        ParamType
	Default     any      // string, int, bool or []string per Type; nil: no default
	Required    bool     // a trigger must supply a value when there is no default
	Description string   // shown on the trigger form
	Values      []string // the choices of an enum
	Pos         Pos
}

// Var is a DAG-level variable, available to templates as .vars.<Name>.
type Var struct {
	Name  string
	Value string
	Pos   Pos
}

// Backoff is how the delay between retries grows.
type Backoff string

const (
	BackoffConstant    Backoff = "constant"    // every retry waits RetryDelay (default)
	BackoffExponential Backoff = "exponential" // RetryDelay, then doubling, capped at RetryMaxDelay
)

// TaskDefaults hold the settings a task inherits unless it sets its own.
type TaskDefaults struct {
	Retries       int
	RetryDelay    time.Duration
	RetryBackoff  Backoff
	RetryMaxDelay time.Duration // 0: no cap
	Timeout       time.Duration // 0: no timeout
	Pool          string        // "": the default pool
}

// TriggerRule decides, from the final states of a task's upstream tasks,
// whether it runs.
type TriggerRule string

const (
	AllSuccess TriggerRule = "all_success" // every upstream succeeded (default)
	AllDone    TriggerRule = "all_done"    // every upstream finished, whatever its state
	AllFailed  TriggerRule = "all_failed"  // every upstream failed or was upstream_failed
	OneSuccess TriggerRule = "one_success" // at least one upstream succeeded
	OneFailed  TriggerRule = "one_failed"  // at least one upstream failed
	NoneFailed TriggerRule = "none_failed" // no upstream failed (succeeded or skipped)
)

// TriggerRules lists every rule, for validation messages.
var TriggerRules = []TriggerRule{AllSuccess, AllDone, AllFailed, OneSuccess, OneFailed, NoneFailed}

// Task is one node of the DAG.
type Task struct {
	ID          string
	Op          string         // the operation, e.g. "shell"; see the op registry
	With        map[string]any // the op's arguments; string leaves may hold templates
	Needs       []string       // ids of upstream tasks
	TriggerRule TriggerRule    // "" means AllSuccess
	When        string         // template condition; the task is skipped when it renders false/empty/0
	Queue       string         // worker queue for distributed execution; "" is the local default
	// Settings below override TaskDefaults when set.
	Retries       *int
	RetryDelay    *time.Duration
	RetryBackoff  Backoff
	RetryMaxDelay *time.Duration
	Timeout       *time.Duration
	Pool          string

	Pos    Pos            // where the task begins
	KeyPos map[string]Pos // where each of its keys is (including "with.<arg>")
}

// Pos is a position in the DAG's YAML file, 1-based.
type Pos struct{ Line, Col int }

// Location is the zone the schedule is read in: Timezone, or the machine's
// local zone when it is empty (or unknown, which validation reports).
func (d *DAG) Location() *time.Location {
	if d.Timezone == "" {
		return time.Local
	}
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		return time.Local
	}
	return loc
}
