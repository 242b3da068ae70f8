package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// triggerDAG starts a run from the trigger form and sends the browser to
// it. Values the DAG's params refuse come back in the form, each under its
// field, with 422 and no run started.
func (h *Handler) triggerDAG(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	audit.Name(r.Context(), model.ActionDAGTrigger, model.DAGTarget(name))
	e, err := h.flows.Entry(name)
	if errors.Is(err, model.ErrNotFound) || (err == nil && e.DAG == nil) {
		h.missingDAG(w, r, name)
		return
	}
	if err != nil {
		h.serverError(w, r, "find DAG "+name, err)
		return
	}
	if err := r.ParseForm(); err != nil {
		h.badRequest(w, r, http.StatusBadRequest, "the form could not be read: reload the page and send it again")
		return
	}
	params, errs := parseParams(e.DAG, r.PostForm)
	if len(errs) > 0 {
		audit.Refuse(r.Context(), fieldReasons("param ", errs))
		h.refuseTrigger(w, r, e, r.PostForm, errs, "")
		return
	}
	run, err := h.flows.Trigger(r.Context(), name, params, model.TriggerManual)
	audit.Err(r.Context(), err)
	switch {
	case errors.Is(err, model.ErrNotFound):
		h.missingDAG(w, r, name)
	case errors.Is(err, model.ErrInvalid), errors.Is(err, model.ErrConflict):
		h.refuseTrigger(w, r, e, r.PostForm, nil, "No run was started: "+strings.TrimSuffix(err.Error(), ": "+model.ErrInvalid.Error()))
	case err != nil:
		h.fail(w, r, "trigger "+name, err)
	default:
		redirect(w, r, pages.RunURL(run.ID))
	}
}

// refuseTrigger shows the DAG's page again with the form as it was sent
// and what is wrong with it. The address bar goes back to the DAG's page,
// which is what is shown, rather than the address the form posted to.
func (h *Handler) refuseTrigger(w http.ResponseWriter, r *http.Request, e *dagdir.Entry, form url.Values, errs map[string]string, msg string) {
	page, err := h.dagPage(r, e)
	if err == nil {
		page.View = pages.ViewGraph
		page.Graph, err = h.graphView(r, e)
	}
	if err != nil {
		h.fail(w, r, "read DAG "+e.Name, err)
		return
	}
	page.Trigger = triggerForm(e, form, errs)
	page.Trigger.Error = msg
	w.Header().Set("HX-Replace-Url", pages.DAGURL(e.Name))
	h.render(w, r, http.StatusUnprocessableEntity, pages.DAGShowPage(h.chrome(r.Context(), "dags"), page))
}

// inputName is the form field of a param.
func inputName(p dag.Param) string { return pages.ParamField{Name: p.Name}.InputName() }

// triggerForm builds the form for the DAG's params: with their defaults,
// or with what was sent (form) and what was wrong with it (errs).
func triggerForm(e *dagdir.Entry, form url.Values, errs map[string]string) pages.TriggerForm {
	f := pages.TriggerForm{Action: pages.DAGURL(e.Name) + "/trigger"}
	for _, p := range e.DAG.Params {
		field := pages.ParamField{
			Name: p.Name, Type: string(p.Type), Options: p.Values, Description: p.Description,
			Required: p.Required && p.Default == nil, Error: errs[p.Name],
		}
		if p.Type == "" {
			field.Type = string(dag.ParamString)
		}
		field.Value = defaultText(p.Default)
		if vs, sent := form[inputName(p)]; sent && len(vs) > 0 {
			field.Value = vs[len(vs)-1]
		}
		field.Checked = field.Value == "true"
		f.Fields = append(f.Fields, field)
	}
	return f
}

// defaultText is a default value as the form shows it.
func defaultText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []string:
		return strings.Join(v, ", ")
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ", ")
	default:
		return fmt.Sprint(v)
	}
}

// parseParams reads the form's values for the DAG's params, checking each
// with the engine's own conversion so the form and the run agree. Empty
// fields take the param's default. The values are passed on as text, which
// the engine converts again when it starts the run.
func parseParams(d *dag.DAG, form url.Values) (map[string]any, map[string]string) {
	params, errs := map[string]any{}, map[string]string{}
	for _, p := range d.Params {
		var raw string
		if vs := form[inputName(p)]; len(vs) > 0 {
			raw = strings.TrimSpace(vs[len(vs)-1]) // a checkbox follows its hidden "false"
		}
		if raw == "" {
			if p.Required && p.Default == nil {
				errs[p.Name] = "Required: give a value."
			}
			continue
		}
		one := &dag.DAG{Name: d.Name, Params: []dag.Param{p}}
		if _, err := dag.ResolveParams(one, map[string]any{p.Name: raw}); err != nil {
			// Not capitalised: the message starts with the value as typed.
			errs[p.Name] = strings.TrimPrefix(err.Error(), "param "+p.Name+": ") + "."
			continue
		}
		params[p.Name] = raw
	}
	return params, errs
}

// sentence capitalises msg and ends it with a full stop.
func sentence(msg string) string {
	r, size := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[size:]
	if !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	return msg
}
