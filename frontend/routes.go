package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/frontend/static"
)

// routes registers every UI route in one place.
func (h *Handler) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+static.Prefix, static.Handler())
	mux.HandleFunc("GET /healthz", h.health)

	mux.HandleFunc("GET /{$}", h.showOverview)
	for _, s := range sections {
		mux.HandleFunc("GET "+s.path, h.showSection(s))
	}
	mux.HandleFunc("GET /settings", h.showSettings)
	mux.HandleFunc("POST /settings", h.saveSettings)
	mux.HandleFunc("GET /audit", h.listAudit)
	mux.HandleFunc("/", h.notFound)

	// Refused cross-origin attempts pass through withAudit, so they are on record.
	return h.withRequestLog(h.withAudit(h.withOriginCheck(h.withSecurityHeaders(mux))))
}
