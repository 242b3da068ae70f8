package frontend

import (
	"context"
	"errors"
	"net/http"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// graphEvents streams a DAG's graph view (?run= as on the page) while the
// run it is coloured by is active: event "graph" with the view's inside,
// then "done" with the whole view once that run has ended.
func (h *Handler) graphEvents(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if h.events == nil {
		http.Error(w, "this server does not stream; reload the page", http.StatusNotFound)
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
	g, err := h.graphView(r, e)
	if err != nil {
		h.fail(w, r, "read the runs of "+name, err)
		return
	}
	runID := g.Selected.ID
	changed, cancel := h.events.Subscribe(runID)
	defer cancel()
	look := func(context.Context) (liveView, error) {
		g, err := h.graphView(r, e)
		if err != nil {
			return liveView{}, err
		}
		// A newer run may now be the one shown: the final view streams that.
		if g.StreamURL == "" || g.Selected.ID != runID {
			return liveView{done: pages.GraphViewPanel(e.Name, g)}, nil
		}
		return liveView{parts: []streamPart{{"graph", pages.GraphBody(e.Name, g)}}}, nil
	}
	h.stream(w, r, "run "+id(runID), changed, look)
}
