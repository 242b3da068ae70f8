package frontend

import (
	"net/http"
	"strconv"

	"github.com/meshflow/meshflow/frontend/pages"
)

// auditPageSize is how many events one audit page shows.
const auditPageSize = 50

// listAudit renders one page of the audit log, newest first. Paging is by id
// ("older than event N"), so new events arriving meanwhile never shift the
// page a user is reading.
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	before, err := cursor(r, "before")
	if err != nil {
		h.fail(w, r, "read the audit log", err)
		return
	}
	// One more than a page tells whether an older page exists.
	events, err := h.store.AuditEvents(ctx, before, auditPageSize+1)
	if err != nil {
		h.serverError(w, r, "read the audit log", err)
		return
	}
	total, err := h.store.CountAuditEvents(ctx)
	if err != nil {
		h.serverError(w, r, "count audit events", err)
		return
	}
	log := pages.AuditLog{Events: events, Total: total}
	if len(events) > auditPageSize {
		log.Events = events[:auditPageSize]
		log.OlderURL = "/audit?before=" + strconv.FormatInt(log.Events[auditPageSize-1].ID, 10)
	}
	h.render(w, r, http.StatusOK, pages.AuditPage(h.chrome(ctx, "audit"), log))
}
