package frontend

import (
	"errors"
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/httpstatus"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// afterRunAction answers an action on a run: back to the run's page, with
// done as the flash when it worked, and the engine's reason when it was
// refused (recorded in the audit log with it as the reason).
func (h *Handler) afterRunAction(w http.ResponseWriter, r *http.Request, runID int64, err error, done string) {
	audit.Err(r.Context(), err)
	if errors.Is(err, model.ErrNotFound) && !h.runExists(r, runID) {
		h.missingRun(w, r, runID)
		return
	}
	flash := pages.Flash{Message: done}
	if err != nil {
		code := httpstatus.Of(err)
		if code == http.StatusInternalServerError {
			h.serverError(w, r, "change run "+id(runID), err)
			return
		}
		flash = pages.Flash{Message: sentence(err.Error()), Bad: true}
	}
	redirect(w, r, pages.RunURL(runID)+"?flash="+h.flashes.add(flash))
}

// runExists tells a missing run from a missing task of a run that exists:
// the first is a page of its own, the second a refusal on the run's page.
func (h *Handler) runExists(r *http.Request, runID int64) bool {
	_, err := h.history.Run(r.Context(), runID)
	return err == nil
}
