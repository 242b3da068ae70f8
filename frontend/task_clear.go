package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
)

// clearTask runs a finished task again, and every task downstream of it.
func (h *Handler) clearTask(w http.ResponseWriter, r *http.Request) {
	runID, ok := h.runID(w, r)
	if !ok {
		return
	}
	task := r.PathValue("task")
	audit.Name(r.Context(), model.ActionTaskClear, model.TaskTarget(runID, task))
	err := h.control.ClearTask(r.Context(), runID, task, true)
	h.afterRunAction(w, r, runID, err, "Cleared "+task+" and the tasks after it: they run again.")
}
