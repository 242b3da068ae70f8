package frontend

import (
	"fmt"
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
)

// markTask sets a task that is not executing to state (success or failed)
// by hand, and lets the tasks after it react.
func (h *Handler) markTask(state model.TaskState) http.HandlerFunc {
	action, done := model.ActionTaskMarkSuccess, "Marked %s as succeeded."
	if state == model.TaskFailed {
		action, done = model.ActionTaskMarkFailed, "Marked %s as failed."
	}
	return func(w http.ResponseWriter, r *http.Request) {
		runID, ok := h.runID(w, r)
		if !ok {
			return
		}
		task := r.PathValue("task")
		audit.Name(r.Context(), action, model.TaskTarget(runID, task))
		err := h.control.MarkTask(r.Context(), runID, task, state)
		h.afterRunAction(w, r, runID, err, fmt.Sprintf(done, task))
	}
}
