package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
)

// retryFailed runs the failed, upstream-failed and cancelled tasks of an
// ended run again, with everything downstream of them.
func (h *Handler) retryFailed(w http.ResponseWriter, r *http.Request) {
	runID, ok := h.runID(w, r)
	if !ok {
		return
	}
	audit.Name(r.Context(), model.ActionRunRetryFailed, model.RunTarget(runID))
	err := h.control.Retry(r.Context(), runID, true)
	h.afterRunAction(w, r, runID, err, "Retrying the failed tasks and everything after them.")
}
