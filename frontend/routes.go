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
	mux.HandleFunc("GET /dags", h.listDAGs)
	mux.HandleFunc("GET /dags/{name}", h.showDAG)
	mux.HandleFunc("GET /dags/{name}/events", h.graphEvents)
	mux.HandleFunc("POST /dags/{name}/trigger", h.triggerDAG)
	mux.HandleFunc("POST /dags/{name}/pause", h.pauseDAG(true))
	mux.HandleFunc("POST /dags/{name}/unpause", h.pauseDAG(false))
	mux.HandleFunc("GET /runs", h.listRuns)
	mux.HandleFunc("GET /runs/{id}", h.showRun)
	mux.HandleFunc("GET /runs/{id}/events", h.runEvents)
	mux.HandleFunc("POST /runs/{id}/cancel", h.cancelRun)
	mux.HandleFunc("POST /runs/{id}/retry-failed", h.retryFailed)
	mux.HandleFunc("POST /runs/{id}/tasks/{task}/clear", h.clearTask)
	mux.HandleFunc("POST /runs/{id}/tasks/{task}/mark-success", h.markTaskSuccess)
	mux.HandleFunc("GET /variables", h.listVariables)
	mux.HandleFunc("POST /variables", h.saveVariable)
	mux.HandleFunc("POST /variables/{name}/delete", h.deleteVariable)
	mux.HandleFunc("GET /settings", h.showSettings)
	mux.HandleFunc("POST /settings", h.saveSettings)
	mux.HandleFunc("GET /audit", h.listAudit)
	mux.HandleFunc("/", h.notFound)

	// Refused cross-origin attempts pass through withAudit, so they are on record.
	return h.withRequestLog(h.withAudit(h.withOriginCheck(h.withSecurityHeaders(mux))))
}
