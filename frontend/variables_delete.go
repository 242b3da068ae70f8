package frontend

import (
	"errors"
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// deleteVariable removes a global variable, confirmed in its row, and goes
// back to the list. A variable that is already gone is reported there
// (and recorded as refused), since a second tab may have deleted it.
func (h *Handler) deleteVariable(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	audit.Name(r.Context(), model.ActionVariableDelete, model.VariableTarget(name))
	err := h.vars.Delete(r.Context(), name)
	audit.Err(r.Context(), err)
	flash := pages.Flash{Message: "Variable " + name + " deleted."}
	switch {
	case errors.Is(err, model.ErrNotFound):
		flash = pages.Flash{Message: sentence(err.Error()), Bad: true}
	case err != nil:
		h.serverError(w, r, "delete variable "+name, err)
		return
	}
	redirect(w, r, "/variables?flash="+h.flashes.add(flash))
}
