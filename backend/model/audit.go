package model

import "time"

// AuditEvent records one change a user made: what they did, to what, from
// where, and whether it worked.
type AuditEvent struct {
	ID     int64
	At     time.Time
	Action string // what was done, e.g. "settings.save"
	Target string // what it was done to, e.g. "theme"; may be empty
	Source string // where the request came from: a remote address, "desktop", or "api ADDRESS"
	Status int    // the HTTP status the request ended with
}

// Succeeded reports whether the recorded request ended without an error status.
func (e AuditEvent) Succeeded() bool { return e.Status > 0 && e.Status < 400 }

// MaxAuditText bounds the bytes of an event's action and target: room for
// the longest real path, task id or variable name, but no request can
// write an arbitrarily long row.
const MaxAuditText = 1024

// Bounded returns e with its action and target cut to MaxAuditText bytes,
// the cut marked, never inside a character.
func (e AuditEvent) Bounded() AuditEvent {
	e.Action, e.Target = Cut(e.Action, MaxAuditText), Cut(e.Target, MaxAuditText)
	return e
}
