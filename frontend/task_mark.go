package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/backend/model"
)

// markTaskSuccess treats a task that is not executing as succeeded, and
// lets the tasks after it go on.
func (h *Handler) markTaskSuccess(w http.ResponseWriter, r *http.Request) {
	runID, ok := h.runID(w, r)
	if !ok {
		return
	}
	task := r.PathValue("task")
	audit(r, "task.mark_success", runTarget(runID)+" task "+task)
	err := h.control.MarkTask(r.Context(), runID, task, model.TaskSuccess)
	h.afterRunAction(w, r, runID, err, "Marked "+task+" as succeeded.")
}
