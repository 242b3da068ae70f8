package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
)

// cancelRun stops an active run: tasks not started are cancelled and
// executing ones are killed.
func (h *Handler) cancelRun(w http.ResponseWriter, r *http.Request) {
	runID, ok := h.runID(w, r)
	if !ok {
		return
	}
	audit.Name(r.Context(), model.ActionRunCancel, model.RunTarget(runID))
	err := h.control.Cancel(r.Context(), runID)
	h.afterRunAction(w, r, runID, err, "Cancelling the run: tasks not started are cancelled, running ones stopped.")
}
