package frontend

import (
	"errors"
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// checkConnection tests a connection's credentials and says who they
// authenticate as, or the cloud's own error, above the list.
func (h *Handler) checkConnection(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	audit.Name(r.Context(), model.ActionConnectionTest, model.ConnectionTarget(name))
	id, err := h.edits.Test(r.Context(), name)
	audit.Err(r.Context(), err)
	flash := pages.Flash{Message: name + ": authenticated as " + id + "."}
	var ce *cloud.Error
	switch {
	case errors.As(err, &ce), errors.Is(err, model.ErrNotFound), errors.Is(err, model.ErrInvalid), errors.Is(err, model.ErrUnavailable):
		flash = pages.Flash{Message: err.Error(), Bad: true}
	case err != nil:
		h.fail(w, r, "test connection "+name, err)
		return
	}
	redirect(w, r, "/connections?flash="+h.flashes.add(flash))
}
