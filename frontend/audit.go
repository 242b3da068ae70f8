package frontend

import (
	"cmp"
	"context"
	"net"
	"net/http"

	"github.com/meshflow/meshflow/backend/httpstatus"
	"github.com/meshflow/meshflow/backend/model"
)

// auditKey finds the request's pending audit entry in its context.
type auditKey struct{}

// auditEntry is filled in by the handler that serves a mutating request, so
// the log says "settings.save" rather than "POST /settings".
type auditEntry struct {
	action, target string
	status         int // what to record instead of the response's status; 0: the response's
}

// audit names what the current request does, for the audit log.
func audit(r *http.Request, action, target string) {
	if e, ok := r.Context().Value(auditKey{}).(*auditEntry); ok {
		e.action, e.target = action, target
	}
}

// auditRefused records the request with status instead of its response's,
// for an action that was refused but answered with a redirect to a page
// saying why: the log must not show it as done.
func auditRefused(r *http.Request, status int) {
	if e, ok := r.Context().Value(auditKey{}).(*auditEntry); ok {
		e.status = status
	}
}

// withAudit records every request that may change state — anything but GET,
// HEAD and OPTIONS — after it is answered, whatever its outcome, so failed
// and refused attempts are on record too. Recording is done here, once, so a
// new handler cannot forget it.
func (h *Handler) withAudit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		// Handlers name their action; for anything else (an unknown path,
		// a refused cross-site post) the path is recorded.
		entry := &auditEntry{action: r.Method + " " + r.URL.Path}
		rec := &httpstatus.Recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), auditKey{}, entry)))

		ev := model.AuditEvent{
			At: h.now(), Action: entry.action, Target: entry.target,
			Source: h.source(r), Status: cmp.Or(entry.status, rec.Status()),
		}
		// The client may be gone already; the record must still be written.
		ctx := context.WithoutCancel(r.Context())
		if entry.target == "" && entry.status == 0 && refusedBeforeHandler(ev.Status) {
			h.addRefusal(ctx, ev)
			return
		}
		h.addAudit(ctx, ev)
	})
}

// addRefusal records a refused request unless its source has had a row
// for one this minute (see refusals).
func (h *Handler) addRefusal(ctx context.Context, ev model.AuditEvent) {
	record, summary := h.refusals.admit(ev.Source, ev.At)
	if !record {
		return
	}
	if summary != "" {
		h.addAudit(ctx, model.AuditEvent{At: ev.At, Action: "refused requests", Target: summary, Source: ev.Source, Status: ev.Status})
	}
	h.addAudit(ctx, ev)
}

func (h *Handler) addAudit(ctx context.Context, ev model.AuditEvent) {
	if _, err := h.store.AddAuditEvent(ctx, ev.Bounded()); err != nil {
		h.logger.Error("record audit event", "action", ev.Action, "err", err)
	}
}

// source says where a request came from: the client's IP address, or
// "desktop" inside the desktop window, which has no network peer.
func (h *Handler) source(r *http.Request) string {
	if h.info.Desktop {
		return "desktop"
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
