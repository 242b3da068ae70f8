// Package audit records the changes users ask for, in the one vocabulary
// of model.AuditEvent, the same way on every face: the transport says who
// asks (an Origin), the code serving the request names what it does and
// how that ended (a Note), and Record writes the event.
package audit

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// Log is where events go; *store.Store is one.
type Log interface {
	AddAuditEvent(ctx context.Context, e model.AuditEvent) (int64, error)
}

// Origin is who asks for a change, and through what.
type Origin struct {
	Source  model.AuditSource
	Actor   string // "browser session 3f2a9c01", "API token", "local user ann"
	Address string // the client's IP address; empty without a network peer
}

// Event is the event of action on target by o that ended with err.
func (o Origin) Event(at time.Time, action string, target model.AuditTarget, err error) model.AuditEvent {
	outcome, reason := model.OutcomeOf(err)
	return model.AuditEvent{
		At: at, Source: o.Source, Actor: o.Actor, Address: o.Address,
		Action: action, Target: target, Outcome: outcome, Reason: reason,
	}
}

// Record writes e to log, bounded. It goes on when ctx is cancelled: a
// client that has gone must not take the record of its change with it.
func Record(ctx context.Context, log Log, e model.AuditEvent) error {
	if _, err := log.AddAuditEvent(context.WithoutCancel(ctx), e.Bounded()); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// noteKey finds a request's Note in its context.
type noteKey struct{}

// Note is the record of one request, filled in by whoever serves it and
// written by the face's middleware once it is answered, whatever happened,
// so a handler cannot forget to record a refusal.
type Note struct {
	Action string
	Target model.AuditTarget

	named   bool          // a handler named the action
	outcome model.Outcome // empty: read from the answer's status
	reason  string
}

// Begin attaches a Note for action (a fallback until a handler names its
// own) to ctx.
func Begin(ctx context.Context, action string, target model.AuditTarget) (context.Context, *Note) {
	n := &Note{Action: action, Target: target}
	return context.WithValue(ctx, noteKey{}, n), n
}

func noteOf(ctx context.Context) *Note {
	n, _ := ctx.Value(noteKey{}).(*Note)
	return n
}

// Name says what the request in ctx does: "settings.save" rather than
// "POST /settings". Without a Note in ctx (a GET) it does nothing.
func Name(ctx context.Context, action string, target model.AuditTarget) {
	if n := noteOf(ctx); n != nil {
		n.Action, n.Target, n.named = action, target, true
	}
}

// Err records how the request in ctx ended, in the terms of
// model.OutcomeOf. The first outcome set stands.
func Err(ctx context.Context, err error) {
	outcome, reason := model.OutcomeOf(err)
	set(ctx, outcome, reason)
}

// Refuse records that the request in ctx was refused, and why, in words a
// user can act on. The reason must never hold a secret.
func Refuse(ctx context.Context, reason string) { set(ctx, model.OutcomeRefused, reason) }

func set(ctx context.Context, outcome model.Outcome, reason string) {
	if n := noteOf(ctx); n != nil && n.outcome == "" {
		n.outcome, n.reason = outcome, reason
	}
}

// Named reports whether a handler named the request's action or said how
// it ended; a request nobody named was refused before any handler ran.
func (n *Note) Named() bool { return n.named || n.outcome != "" }

// Event is the note as an event by o, at, for a request answered with
// status: the outcome a handler recorded, or else the status's.
func (n *Note) Event(o Origin, at time.Time, status int) model.AuditEvent {
	e := o.Event(at, n.Action, n.Target, nil)
	e.Outcome, e.Reason = n.outcome, n.reason
	if e.Outcome == "" {
		e.Outcome = model.OutcomeOfStatus(status)
		if e.Outcome != model.OutcomeDone {
			e.Reason = ReasonOfStatus(status)
		}
	}
	return e
}

// ReasonOfStatus says in words why a request was answered with status,
// when nothing more particular was recorded.
func ReasonOfStatus(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "not signed in, or a wrong token"
	case http.StatusForbidden:
		return "refused: sent from another web site"
	case http.StatusNotFound:
		return "no such page or route"
	case http.StatusMethodNotAllowed:
		return "this address does not take this method"
	case http.StatusRequestEntityTooLarge:
		return "the request is too large"
	}
	if status >= 500 {
		return model.ReasonInternal
	}
	return strings.ToLower(http.StatusText(status))
}
