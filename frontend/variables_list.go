package frontend

import (
	"net/http"
	"slices"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// listVariables shows the global variables and the form that sets one;
// ?edit=NAME fills the form in to replace NAME.
func (h *Handler) listVariables(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var form pages.VariableForm
	if name := q.Get("edit"); name != "" {
		form = pages.VariableForm{Name: name, Editing: true}
	}
	h.renderVariables(w, r, http.StatusOK, form, h.flashes.get(q.Get("flash")))
}

// renderVariables draws the page around form, with the list as it is now.
// An Editing form takes the value and the kind of the variable it names;
// List never returns a secret's value, so none can reach the page.
func (h *Handler) renderVariables(w http.ResponseWriter, r *http.Request, status int, form pages.VariableForm, flash pages.Flash) {
	vars, err := h.vars.List(r.Context())
	if err != nil {
		h.serverError(w, r, "list the variables", err)
		return
	}
	if form.Editing {
		i := slices.IndexFunc(vars, func(v model.Variable) bool { return v.Name == form.Name })
		if i < 0 {
			h.missing(w, r, "variables", "No such variable",
				"There is no variable named "+form.Name+". It may have been deleted.")
			return
		}
		form.Value, form.Secret = vars[i].Value, vars[i].Secret
	}
	page := pages.VariablesPage{Variables: vars, Flash: flash, Form: form}
	h.render(w, r, status, pages.VariablesListPage(h.chrome(r.Context(), "variables"), page))
}
