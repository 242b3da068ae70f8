package model

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// AuditEvent records one change a user asked for, from any face: who asked
// and through what, what they did to what, and how it ended. The words
// are the same whichever face recorded it, so the log reads as one story.
type AuditEvent struct {
	ID      int64       `json:"id"`
	At      time.Time   `json:"at"`
	Source  AuditSource `json:"source"`
	Actor   string      `json:"actor"`             // who: "browser session 3f2a9c01", "API token", "local user ann"
	Address string      `json:"address,omitempty"` // the client's IP address, where there is a network peer
	Action  string      `json:"action"`            // what was done: one of the Action* words, e.g. "dag.trigger"
	Target  AuditTarget `json:"target"`
	Outcome Outcome     `json:"outcome"`
	// Reason says, in words, why an action was refused or failed: "run 42
	// already ended: success". Empty when done. Never a secret: reasons
	// name things, they do not repeat values.
	Reason string `json:"reason,omitempty"`
}

// AuditSource is the face an action came through.
type AuditSource string

const (
	SourceUI      AuditSource = "ui"      // a signed-in browser
	SourceDesktop AuditSource = "desktop" // the desktop window
	SourceAPI     AuditSource = "api"     // a client of the REST API
	SourceCLI     AuditSource = "cli"     // a meshflow command, through a server or on the data dir
	SourceSystem  AuditSource = "system"  // meshflow on its own: the forgotten-VM guard
)

// AuditSources lists the sources, for filters.
var AuditSources = []AuditSource{SourceUI, SourceDesktop, SourceAPI, SourceCLI, SourceSystem}

// Outcome is how an action ended.
type Outcome string

const (
	OutcomeDone    Outcome = "done"    // it happened
	OutcomeRefused Outcome = "refused" // not done, for a reason the user can act on
	OutcomeFailed  Outcome = "failed"  // not done, because something broke on our side
)

// Outcomes lists the outcomes, for filters.
var Outcomes = []Outcome{OutcomeDone, OutcomeRefused, OutcomeFailed}

// The action words. A face records the word of what the user asked for,
// whatever route or command carried it, so a trigger from the UI, the API
// and the CLI reads "dag.trigger" on each. New features add their words
// here (vm.start, vm.destroy, ...).
const (
	ActionDAGTrigger       = "dag.trigger"
	ActionDAGPause         = "dag.pause"
	ActionDAGUnpause       = "dag.unpause"
	ActionRunCancel        = "run.cancel"
	ActionRunRetry         = "run.retry"
	ActionRunRetryFailed   = "run.retry_failed"
	ActionTaskClear        = "task.clear"
	ActionTaskMarkSuccess  = "task.mark_success"
	ActionTaskMarkFailed   = "task.mark_failed"
	ActionVariableSet      = "variable.set"
	ActionVariableDelete   = "variable.delete"
	ActionSettingsSave     = "settings.save"
	ActionConnectionAdd    = "connection.add"
	ActionConnectionUpdate = "connection.update"
	ActionConnectionDelete = "connection.delete"
	ActionConnectionImport = "connection.import"
	ActionConnectionTest   = "connection.test"
	ActionLogin            = "login"
	ActionLoginLink        = "login.link"
	ActionLogout           = "logout"
	// VM actions, on one VM or on several chosen together.
	ActionVMCreate  = "vm.create"
	ActionVMStart   = "vm.start"
	ActionVMStop    = "vm.stop"
	ActionVMSuspend = "vm.suspend"
	ActionVMResume  = "vm.resume"
	ActionVMReboot  = "vm.reboot"
	ActionVMDestroy = "vm.destroy"
	ActionVMRefresh = "vm.refresh"
	// Changes of one VM beyond the lifecycle verbs: "vm." and the
	// inventory's action word.
	ActionVMResize        = "vm.resize"
	ActionVMConfirmResize = "vm.confirm-resize"
	ActionVMRevertResize  = "vm.revert-resize"
	ActionVMRebuild       = "vm.rebuild"
	ActionVMRename        = "vm.rename"
	ActionVMAssignIP      = "vm.assign-ip"
	ActionVMReleaseIP     = "vm.release-ip"
	ActionVMLabel         = "vm.label" // its labels and group set in meshflow
	// ActionDBReset is the first event of a database `meshflow db reset`
	// made: the log it replaced is gone, this says who emptied it.
	ActionDBReset = "db.reset"
	// ActionRequest is a request no handler named: an unknown address, or
	// one refused before it reached one (no session, another site's form).
	ActionRequest = "request"
	// ActionRefusals counts the refused requests of one source not
	// recorded one by one, so a flood cannot grow the log.
	ActionRefusals = "request.refusals"
)

// AuditActions lists the action words, for filters.
var AuditActions = []string{
	ActionDAGTrigger, ActionDAGPause, ActionDAGUnpause,
	ActionRunCancel, ActionRunRetry, ActionRunRetryFailed,
	ActionTaskClear, ActionTaskMarkSuccess, ActionTaskMarkFailed,
	ActionVariableSet, ActionVariableDelete, ActionSettingsSave,
	ActionConnectionAdd, ActionConnectionUpdate, ActionConnectionDelete, ActionConnectionImport, ActionConnectionTest,
	ActionLogin, ActionLoginLink, ActionLogout, ActionDBReset, ActionRequest, ActionRefusals,
	ActionVMCreate, ActionVMStart, ActionVMStop, ActionVMSuspend, ActionVMResume, ActionVMReboot, ActionVMDestroy, ActionVMRefresh,
	ActionVMResize, ActionVMConfirmResize, ActionVMRevertResize, ActionVMRebuild, ActionVMRename, ActionVMAssignIP, ActionVMReleaseIP, ActionVMLabel,
}

// AuditTarget is what an action was done to: a kind and an id within it,
// so a page can link to it.
type AuditTarget struct {
	Kind string `json:"kind,omitempty"` // one of the Target* kinds; empty: nothing in particular
	ID   string `json:"id,omitempty"`
}

// The kinds of target.
const (
	TargetDAG        = "dag"        // ID: the DAG's name
	TargetRun        = "run"        // ID: the run's number
	TargetTask       = "task"       // ID: "RUN/TASK", e.g. "42/extract"
	TargetVariable   = "variable"   // ID: the variable's name, never its value
	TargetSettings   = "settings"   // ID: the group, e.g. "preferences"
	TargetConnection = "connection" // ID: the connection's name
	TargetSession    = "session"    // ID: empty; the actor says whose
	TargetDatabase   = "database"   // ID: empty; the data dir's one database
	TargetRequest    = "request"    // ID: "METHOD /path" of a request no handler named
	TargetVM         = "vm"         // ID: "CONNECTION/CLOUD-ID", or several joined by ", "
)

// ConnectionTarget names a cloud connection, never its secrets.
func ConnectionTarget(name string) AuditTarget { return AuditTarget{TargetConnection, name} }

// DAGTarget, RunTarget, TaskTarget and VariableTarget name the usual targets.
func DAGTarget(name string) AuditTarget { return AuditTarget{TargetDAG, name} }

func RunTarget(id int64) AuditTarget { return AuditTarget{TargetRun, strconv.FormatInt(id, 10)} }

func TaskTarget(runID int64, task string) AuditTarget {
	return AuditTarget{TargetTask, strconv.FormatInt(runID, 10) + "/" + task}
}

func VariableTarget(name string) AuditTarget { return AuditTarget{TargetVariable, name} }

// String reads the target as a person would say it: "run 42", "dag etl".
func (t AuditTarget) String() string {
	switch {
	case t.Kind == "":
		return t.ID
	case t.ID == "":
		return t.Kind
	}
	return t.Kind + " " + t.ID
}

// TaskRef splits a task target's id into its run and task.
func (t AuditTarget) TaskRef() (runID int64, task string, ok bool) {
	run, task, found := strings.Cut(t.ID, "/")
	n, err := strconv.ParseInt(run, 10, 64)
	if t.Kind != TargetTask || !found || err != nil {
		return 0, "", false
	}
	return n, task, true
}

// OutcomeOf is how an action that ended with err is recorded: done for
// nil; refused, with err's message as the reason, for the error kinds a
// user can act on; failed otherwise, with a reason that points to the
// server's log, since an internal error's message may hold paths or SQL.
func OutcomeOf(err error) (Outcome, string) {
	switch {
	case err == nil:
		return OutcomeDone, ""
	case errors.Is(err, ErrNotFound):
		return OutcomeRefused, notFoundReason(err.Error())
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrConflict):
		return OutcomeRefused, err.Error()
	case errors.Is(err, ErrUnavailable):
		return OutcomeFailed, err.Error()
	}
	return OutcomeFailed, ReasonInternal
}

// notFoundReason reads a not-found error as a reason: the layers name
// what is missing ("run 999", "DAG \"etl\"") or say so ("no variable
// KEY", "run 4 has no task \"x\""); the first kind reads "unknown run 999".
func notFoundReason(msg string) string {
	if strings.HasPrefix(msg, "no ") || strings.Contains(msg, " no ") {
		return msg
	}
	return "unknown " + msg
}

// ReasonInternal is the reason recorded for a failure that is not the
// user's; its details go to the server's log only.
const ReasonInternal = "internal error: the details are in the server's log"

// OutcomeOfStatus reads an HTTP status as an outcome, for what a handler
// did not name itself: 2xx and 3xx done, 4xx refused, 5xx failed.
func OutcomeOfStatus(status int) Outcome {
	switch {
	case status >= 500:
		return OutcomeFailed
	case status >= 400:
		return OutcomeRefused
	}
	return OutcomeDone
}

// AuditFilter selects audit events, newest first. Empty fields select all.
type AuditFilter struct {
	Source  AuditSource
	Action  string
	Outcome Outcome
	// Target matches events whose target, as String reads it, contains
	// this text, whatever its case: "etl", "run 42", "42/extract".
	Target   string
	BeforeID int64 // only events older than this one; 0: from the newest
	Limit    int   // at most this many; 0: a default page
}

// IsZero reports whether f selects every event.
func (f AuditFilter) IsZero() bool {
	return f.Source == "" && f.Action == "" && f.Outcome == "" && f.Target == ""
}

// MaxAuditText bounds the bytes of an event's texts: room for the longest
// real path, task id or variable name, but no request can write an
// arbitrarily long row.
const MaxAuditText = 1024

// Bounded returns e with its texts cut to MaxAuditText bytes, the cut
// marked, never inside a character.
func (e AuditEvent) Bounded() AuditEvent {
	for _, s := range []*string{&e.Actor, &e.Address, &e.Action, &e.Target.Kind, &e.Target.ID, &e.Reason} {
		*s = Cut(*s, MaxAuditText)
	}
	return e
}
