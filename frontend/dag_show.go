package frontend

import (
	"errors"
	"net/http"
	"path/filepath"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// showDAG renders a DAG's page: its facts, the trigger form and the view
// the URL asks for (?view=graph, grid or code; graph by default).
func (h *Handler) showDAG(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	view := r.URL.Query().Get("view")
	switch view {
	case "":
		view = pages.ViewGraph
	case pages.ViewGraph, pages.ViewGrid, pages.ViewCode:
	default:
		h.badRequest(w, r, http.StatusBadRequest, "view must be graph, grid or code")
		return
	}
	e, err := h.flows.Entry(name)
	if errors.Is(err, model.ErrNotFound) {
		h.missingDAG(w, r, name)
		return
	}
	if err != nil {
		h.serverError(w, r, "find DAG "+name, err)
		return
	}
	// A live refresh of the graph asks for the graph alone.
	if r.Header.Get("HX-Target") == "dag-graph" && view == pages.ViewGraph {
		g, err := h.graphView(r, e)
		if err != nil {
			h.fail(w, r, "read the runs of "+name, err)
			return
		}
		h.render(w, r, http.StatusOK, pages.GraphViewPanel(e.Name, g))
		return
	}
	page, err := h.dagPage(r, e)
	if err == nil {
		page.View = view
		switch view {
		case pages.ViewGraph:
			page.Graph, err = h.graphView(r, e)
		case pages.ViewGrid:
			page.Grid, err = h.gridView(r, e)
		case pages.ViewCode:
			page.Code = h.codeView(e)
		}
	}
	if err != nil {
		h.fail(w, r, "read DAG "+name, err)
		return
	}
	h.render(w, r, http.StatusOK, pages.DAGShowPage(h.chrome(r.Context(), "dags"), page))
}

// dagPage fills what every view of a DAG's page shows: the facts and the
// trigger form with the defaults.
func (h *Handler) dagPage(r *http.Request, e *dagdir.Entry) (pages.DAGPage, error) {
	page := pages.DAGPage{
		Name: e.Name, File: filepath.Base(e.File), Now: h.now(), Runnable: e.DAG != nil, Stale: e.Stale(),
	}
	if e.Err != nil {
		page.Error = h.relativeToDAGDir(e.Err.Error())
	}
	if d := e.DAG; d != nil {
		page.Description, page.Tags, page.Timezone, page.Tasks = d.Description, d.Tags, d.Timezone, len(d.Tasks)
		for _, w := range d.Warnings {
			page.Warnings = append(page.Warnings, h.relativeToDAGDir(w.Error()))
		}
		if d.Schedule != "" {
			page.Schedule = dag.DescribeSchedule(d.Schedule)
			page.Zone = d.Location()
		}
		page.Trigger = triggerForm(e, nil, nil)
	}
	d, err := h.flows.DAG(r.Context(), e.Name)
	if err != nil {
		return page, err
	}
	page.Paused, page.NextRun = d.Paused, d.NextRunAt
	return page, nil
}
