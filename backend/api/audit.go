package api

import (
	"context"
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
)

// listAudit answers one page of the audit log, newest first, filtered as
// the Audit page filters: ?source=cli&action=dag.trigger&outcome=refused
// &target=etl, ?limit=N (default 50) and ?before=ID for older events.
func (s *server) listAudit(w http.ResponseWriter, r *http.Request) {
	f, err := audit.ParseFilter(r.URL.Query())
	if err != nil {
		writeError(w, r, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	events, err := s.audit.AuditEvents(r.Context(), f)
	if events == nil {
		events = []model.AuditEvent{}
	}
	s.reply(w, r, events, err)
}

// AuditEvents reads the server's audit log, as the store's method of the
// same name does.
func (c *Client) AuditEvents(ctx context.Context, f model.AuditFilter) ([]model.AuditEvent, error) {
	var out []model.AuditEvent
	return out, c.do(ctx, http.MethodGet, "/api/v1/audit?"+audit.Query(f).Encode(), nil, &out)
}
