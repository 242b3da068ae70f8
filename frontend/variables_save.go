package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// maxVariableValue bounds a value set from the form, as the CLI bounds
// what it reads from standard input.
const maxVariableValue = 1 << 20

// saveVariable adds or replaces a global variable. A refused form comes
// back with a message next to each bad field, and without a secret's value:
// it is never sent back to the browser, nor recorded in the audit log,
// which names only the variable.
func (h *Handler) saveVariable(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 2*maxVariableValue)
	if err := r.ParseForm(); err != nil {
		h.badRequest(w, r, http.StatusBadRequest, "the form could not be read, or a value is over 1 MiB: reload the page and send it again")
		return
	}
	form := pages.VariableForm{
		Name: strings.TrimSpace(r.PostForm.Get("name")),
		// Browsers send a textarea's line breaks as CRLF; tasks expect LF.
		Value:  strings.ReplaceAll(r.PostForm.Get("value"), "\r\n", "\n"),
		Secret: r.PostForm.Get("secret") != "",
	}
	audit.Name(r.Context(), model.ActionVariableSet, model.VariableTarget(form.Name))

	errs := map[string]string{}
	if n := len(form.Value); n > maxVariableValue {
		errs["value"] = fmt.Sprintf("Use at most 1 MiB (this value has %s).", components.Bytes(int64(n)))
	} else if err := h.vars.Set(r.Context(), form.Name, form.Value, form.Secret); errors.Is(err, model.ErrInvalid) {
		errs["name"] = sentence(err.Error())
	} else if err != nil {
		h.serverError(w, r, "save variable "+form.Name, err)
		return
	}
	if len(errs) > 0 {
		audit.Refuse(r.Context(), fieldReasons("", errs))
		if form.Secret {
			form.Value = ""
		}
		form.Errors = errs
		h.renderVariables(w, r, http.StatusUnprocessableEntity, form, pages.Flash{})
		return
	}
	done := "Variable " + form.Name + " saved."
	if form.Secret {
		done = "Variable " + form.Name + " saved as a secret."
	}
	redirect(w, r, "/variables?flash="+h.flashes.add(pages.Flash{Message: done}))
}
