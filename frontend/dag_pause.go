package frontend

import (
	"errors"
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// pauseDAG switches a DAG's schedule off (paused) or back on. From the
// list's toggle (htmx) it answers with the DAG's updated rows; a plain
// form is sent back to the list, or with back=dag to the DAG's page.
func (h *Handler) pauseDAG(paused bool) http.HandlerFunc {
	action := model.ActionDAGUnpause
	if paused {
		action = model.ActionDAGPause
	}
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, name := r.Context(), r.PathValue("name")
		audit.Name(ctx, action, model.DAGTarget(name))
		err := h.flows.SetPaused(ctx, name, paused)
		audit.Err(ctx, err)
		if errors.Is(err, model.ErrNotFound) {
			h.missingDAG(w, r, name)
			return
		}
		if err != nil {
			h.fail(w, r, action[4:]+" "+name, err)
			return
		}
		if r.PostFormValue("back") == "dag" {
			redirect(w, r, pages.DAGURL(name))
			return
		}
		if r.Header.Get("HX-Request") != "true" {
			redirect(w, r, "/dags")
			return
		}
		d, err := h.flows.DAG(ctx, name)
		if errors.Is(err, model.ErrNotFound) {
			h.missingDAG(w, r, name)
			return
		}
		if err != nil {
			h.fail(w, r, "read DAG "+name, err)
			return
		}
		row, err := h.dagRow(ctx, d)
		if err != nil {
			h.serverError(w, r, "read the runs of "+name, err)
			return
		}
		h.render(w, r, http.StatusOK, pages.DAGRowView(row))
	}
}

// missingDAG answers 404 for a DAG no file defines.
func (h *Handler) missingDAG(w http.ResponseWriter, r *http.Request, name string) {
	audit.Refuse(r.Context(), "no such DAG "+model.Quote(name))
	h.missing(w, r, "dags", "No such DAG",
		"No file in the DAG folder defines a DAG named "+name+". It may have been renamed or removed.")
}
