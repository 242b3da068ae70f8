package frontend

import (
	"errors"
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// confirmDeleteConnection asks before a connection and its sealed
// secrets are deleted.
func (h *Handler) confirmDeleteConnection(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	info, err := h.conns.Get(r.Context(), name)
	if errors.Is(err, model.ErrNotFound) {
		h.missing(w, r, "connections", "No such connection", "There is no connection named "+name+". It may have been deleted.")
		return
	}
	if err != nil {
		h.fail(w, r, "read connection "+name, err)
		return
	}
	conf := components.Confirmation{
		Question: "Delete connection " + name + "?",
		Lead:     "Its settings and sealed secrets are removed from this installation. The cloud and its VMs are not touched.",
		Subject:  "Connection",
		Items:    []components.ConfirmItem{{Label: name, Detail: string(info.Kind) + ", " + components.Plural(len(info.SecretsSet), "secret", "secrets") + " set"}},
		Action:   pages.ConnectionURL(name) + "/delete",
		Button:   "Delete " + name,
		Danger:   true,
		Back:     "/connections",
	}
	crumbs := []pages.Crumb{{Label: "Connections", Href: "/connections"}}
	h.render(w, r, http.StatusOK, pages.ConfirmPage(h.chrome(r.Context(), "connections"), conf.Question, crumbs, conf))
}

// deleteConnection removes a connection and goes back to the list; one
// already gone is said there.
func (h *Handler) deleteConnection(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	audit.Name(r.Context(), model.ActionConnectionDelete, model.ConnectionTarget(name))
	err := h.edits.Delete(r.Context(), name)
	audit.Err(r.Context(), err)
	flash := pages.Flash{Message: "Connection " + name + " deleted."}
	switch {
	case errors.Is(err, model.ErrNotFound):
		flash = pages.Flash{Message: sentence(err.Error()), Bad: true}
	case err != nil:
		h.fail(w, r, "delete connection "+name, err)
		return
	}
	redirect(w, r, "/connections?flash="+h.flashes.add(flash))
}
