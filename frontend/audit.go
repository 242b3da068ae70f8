package frontend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
)

// withAudit records every request that may change state — anything but GET,
// HEAD and OPTIONS — as it is answered, whatever its outcome, so failed
// and refused attempts are on record too. Handlers name their action with
// audit.Name and say why they refused with audit.Refuse or audit.Err;
// the rest is read from the answer's status. Recording is done here, once,
// so a new handler cannot forget it.
func (h *Handler) withAudit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		// For anything no handler names (an unknown path, a refused
		// cross-site post) the request is the target.
		ctx, note := audit.Begin(r.Context(), model.ActionRequest,
			model.AuditTarget{Kind: model.TargetRequest, ID: r.Method + " " + r.URL.Path})
		aw := audit.NewWriter(w, func(status int) {
			ev := note.Event(h.origin(r), h.now(), status)
			if !note.Named() && refusedBeforeHandler(status) {
				ev.Actor = "browser" // without a live session, its cookie names no one
				h.addRefusal(r.Context(), ev)
				return
			}
			h.addAudit(r.Context(), ev)
		})
		next.ServeHTTP(aw, r.WithContext(ctx))
		aw.Finish()
	})
}

// addRefusal records a refused request unless its address has had a row
// for one this minute (see refusals).
func (h *Handler) addRefusal(ctx context.Context, ev model.AuditEvent) {
	record, summary := h.refusals.admit(string(ev.Source)+" "+ev.Address, ev.At)
	if !record {
		return
	}
	if summary != "" {
		sum := ev
		sum.Action, sum.Target, sum.Reason = model.ActionRefusals, model.AuditTarget{}, summary
		h.addAudit(ctx, sum)
	}
	h.addAudit(ctx, ev)
}

func (h *Handler) addAudit(ctx context.Context, ev model.AuditEvent) {
	if err := audit.Record(ctx, h.store, ev); err != nil {
		h.logger.Error("record audit event", "action", ev.Action, "err", err)
	}
}

// origin says who sent a request: the desktop window, which has no network
// peer and no sessions, or a browser, by its session and address.
func (h *Handler) origin(r *http.Request) audit.Origin {
	if h.info.Desktop {
		return audit.Origin{Source: model.SourceDesktop, Actor: "desktop window"}
	}
	o := audit.Origin{Source: model.SourceUI, Actor: "browser", Address: r.RemoteAddr}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		o.Address = host
	}
	if c, err := r.Cookie(h.cookie); err == nil && c.Value != "" {
		o.Actor = sessionActor(c.Value)
	}
	return o
}

// sessionActor names a browser session in the audit log by the start of
// the hash the store keeps of its id: the same session reads the same on
// every row, and the name signs no one in.
func sessionActor(id string) string {
	sum := sha256.Sum256([]byte(id))
	return "browser session " + hex.EncodeToString(sum[:4])
}

// fieldReasons reads a form's field errors as one reason for the audit
// log, "name: use letters…; value: use at most 1 MiB…", each field's name
// after prefix. The messages name what is wrong, never the value sent.
func fieldReasons(prefix string, errs map[string]string) string {
	parts := make([]string, 0, len(errs))
	for _, field := range slices.Sorted(maps.Keys(errs)) {
		msg := strings.TrimSuffix(errs[field], ".")
		if r, size := utf8.DecodeRuneInString(msg); r != utf8.RuneError {
			msg = string(unicode.ToLower(r)) + msg[size:]
		}
		parts = append(parts, prefix+field+": "+msg)
	}
	return strings.Join(parts, "; ")
}
