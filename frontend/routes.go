package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/static"
)

// routes registers every UI route in one place.
func (h *Handler) routes() http.Handler {
	// Open to anyone: what a browser needs to show the sign-in page and
	// to sign in, and the health check, which tells nothing.
	public := http.NewServeMux()
	public.Handle("GET "+static.Prefix, static.Handler())
	public.HandleFunc("GET /healthz", h.health)
	public.HandleFunc("GET /login", h.login)

	// Everything else needs a signed-in browser, GET included: pages show
	// run logs, outputs and the audit log.
	mux := http.NewServeMux()
	public.Handle("/", h.withSession(mux))
	mux.HandleFunc("GET /{$}", h.showOverview)
	for _, s := range sections {
		mux.HandleFunc("GET "+s.path, h.showSection(s))
	}
	mux.HandleFunc("GET /connections", h.listConnections)
	mux.HandleFunc("POST /connections", h.saveConnection)
	mux.HandleFunc("GET /connections/import", h.confirmImport)
	mux.HandleFunc("POST /connections/import", h.importConnections)
	mux.HandleFunc("POST /connections/{name}", h.saveConnection)
	mux.HandleFunc("POST /connections/{name}/test", h.checkConnection)
	// A GET of the delete URL asks first.
	mux.HandleFunc("GET /connections/{name}/delete", h.confirmDeleteConnection)
	mux.HandleFunc("POST /connections/{name}/delete", h.deleteConnection)
	mux.HandleFunc("GET /dags", h.listDAGs)
	mux.HandleFunc("GET /dags/{name}", h.showDAG)
	mux.HandleFunc("GET /dags/{name}/events", h.graphEvents)
	mux.HandleFunc("POST /dags/{name}/trigger", h.triggerDAG)
	mux.HandleFunc("POST /dags/{name}/pause", h.pauseDAG(true))
	mux.HandleFunc("POST /dags/{name}/unpause", h.pauseDAG(false))
	mux.HandleFunc("GET /runs", h.listRuns)
	mux.HandleFunc("GET /runs/{id}", h.showRun)
	mux.HandleFunc("GET /runs/{id}/events", h.runEvents)
	mux.HandleFunc("GET /runs/{id}/tasks/{task}/tries/{try}/log", h.downloadLog)
	// A GET of an action's URL asks first, listing what will change.
	mux.HandleFunc("GET /runs/{id}/cancel", h.confirmRunAction(workflow.ActionCancel))
	mux.HandleFunc("POST /runs/{id}/cancel", h.cancelRun)
	mux.HandleFunc("GET /runs/{id}/retry-failed", h.confirmRunAction(workflow.ActionRetryFailed))
	mux.HandleFunc("POST /runs/{id}/retry-failed", h.retryFailed)
	mux.HandleFunc("GET /runs/{id}/tasks/{task}/clear", h.confirmRunAction(workflow.ActionClear))
	mux.HandleFunc("POST /runs/{id}/tasks/{task}/clear", h.clearTask)
	mux.HandleFunc("GET /runs/{id}/tasks/{task}/mark-success", h.confirmRunAction(workflow.ActionMarkSuccess))
	mux.HandleFunc("POST /runs/{id}/tasks/{task}/mark-success", h.markTask(model.TaskSuccess))
	mux.HandleFunc("GET /runs/{id}/tasks/{task}/mark-failed", h.confirmRunAction(workflow.ActionMarkFailed))
	mux.HandleFunc("POST /runs/{id}/tasks/{task}/mark-failed", h.markTask(model.TaskFailed))
	mux.HandleFunc("GET /vms", h.listVMs)
	mux.HandleFunc("GET /vms/new", h.newVM)
	mux.HandleFunc("POST /vms/create", h.createVM)
	mux.HandleFunc("GET /vms/show", h.showVM)
	mux.HandleFunc("GET /vms/events", h.vmEvents)
	mux.HandleFunc("GET /vms/console", h.showVMConsole)
	mux.HandleFunc("GET /vms/change", h.confirmVMChange)
	mux.HandleFunc("POST /vms/change", h.changeVM)
	mux.HandleFunc("POST /vms/labels", h.labelVM)
	mux.HandleFunc("GET /vms/act", h.confirmVMAction)
	mux.HandleFunc("POST /vms/act", h.actVMs)
	mux.HandleFunc("POST /vms/refresh", h.refreshVMs)
	mux.HandleFunc("GET /variables", h.listVariables)
	mux.HandleFunc("POST /variables", h.saveVariable)
	mux.HandleFunc("POST /variables/{name}/delete", h.deleteVariable)
	mux.HandleFunc("GET /settings", h.showSettings)
	mux.HandleFunc("POST /settings", h.saveSettings)
	mux.HandleFunc("POST /settings/vms", h.saveVMSettings)
	mux.HandleFunc("GET /audit", h.listAudit)
	mux.HandleFunc("POST /logout", h.logout)
	mux.HandleFunc("/", h.notFound)

	// Refused cross-origin attempts and requests without a session pass
	// through withAudit, so they are on record.
	return h.withRequestLog(h.withAudit(h.withOriginCheck(h.withSecurityHeaders(public))))
}
