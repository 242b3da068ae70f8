package frontend

import (
	"net/http"
	"slices"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// auditPageSize is how many events one audit page shows.
const auditPageSize = 50

// listAudit renders one page of the audit log, newest first, filtered by
// the query (source, action, outcome, target), which the page's filter
// form sends. Paging is by id ("older than event N"), so new events
// arriving meanwhile never shift the page a user is reading.
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := audit.ParseFilter(r.URL.Query())
	if err != nil {
		h.badRequest(w, r, http.StatusBadRequest, err.Error())
		return
	}
	// One more than a page tells whether an older page exists.
	f.Limit = auditPageSize + 1
	events, err := h.store.AuditEvents(ctx, f)
	if err != nil {
		h.serverError(w, r, "read the audit log", err)
		return
	}
	log := pages.AuditLog{Events: events, Filter: f}
	if log.Total, err = h.store.CountAuditEvents(ctx, model.AuditFilter{}); err == nil && !f.IsZero() {
		log.Matched, err = h.store.CountAuditEvents(ctx, f)
	} else {
		log.Matched = log.Total
	}
	if err != nil {
		h.serverError(w, r, "count audit events", err)
		return
	}
	if log.Actions, err = h.auditActions(r, f.Action); err != nil {
		h.serverError(w, r, "list the audit log's actions", err)
		return
	}
	if len(events) > auditPageSize {
		log.Events = events[:auditPageSize]
		older := f
		older.BeforeID, older.Limit = log.Events[auditPageSize-1].ID, 0
		log.OlderURL = pages.AuditURL(older)
	}
	log.Filter.Limit = 0
	h.render(w, r, http.StatusOK, pages.AuditPage(h.chrome(ctx, "audit"), log))
}

// auditActions are the action words the filter offers: the vocabulary's,
// those recorded (old rows, other features'), and the one asked for.
func (h *Handler) auditActions(r *http.Request, asked string) ([]string, error) {
	recorded, err := h.store.AuditActions(r.Context())
	if err != nil {
		return nil, err
	}
	all := append(slices.Clone(model.AuditActions), recorded...)
	if asked != "" {
		all = append(all, asked)
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}
