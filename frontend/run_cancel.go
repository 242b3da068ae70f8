package frontend

import (
	"net/http"
)

// cancelRun stops an active run: tasks not started are cancelled and
// executing ones are killed.
func (h *Handler) cancelRun(w http.ResponseWriter, r *http.Request) {
	runID, ok := h.runID(w, r)
	if !ok {
		return
	}
	audit(r, "run.cancel", runTarget(runID))
	err := h.control.Cancel(r.Context(), runID)
	h.afterRunAction(w, r, runID, err, "Cancelling the run: tasks not started are cancelled, running ones stopped.")
}
