package frontend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// graphRuns is how many recent runs the graph offers to colour it by.
const graphRuns = 25

// Spacing of the graph layout, in SVG units.
const (
	graphPad    = 16
	graphColGap = 56
	graphRowGap = 14
	labelMax    = 22 // characters of a task id shown in its box
)

// graphView draws the DAG coloured by the run the URL selects (?run=),
// the newest one by default. While that run is active the view refreshes.
func (h *Handler) graphView(r *http.Request, e *dagdir.Entry) (pages.GraphView, error) {
	if e.DAG == nil {
		return pages.GraphView{Problem: "This file has never been valid, so there is no graph to draw: the Code view shows it with its errors."}, nil
	}
	ctx := r.Context()
	runs, err := h.history.Runs(ctx, model.RunFilter{DAG: e.Name, Limit: graphRuns})
	if err != nil {
		return pages.GraphView{}, err
	}
	sel, err := h.selectedRun(ctx, r.URL.Query().Get("run"), e.Name, runs)
	if err != nil {
		return pages.GraphView{}, err
	}
	d, plan, err := h.graphOf(ctx, e, sel)
	if err != nil { // validation refuses what cannot be planned; say so anyway
		return pages.GraphView{Problem: "The graph cannot be drawn: " + err.Error()}, nil
	}
	states := map[string]string{}
	if sel.ID != 0 {
		tasks, err := h.history.TaskRunsOf(ctx, []int64{sel.ID})
		if err != nil {
			return pages.GraphView{}, err
		}
		for _, t := range tasks {
			states[t.TaskID] = string(t.State)
		}
	}
	g := layoutGraph(d, plan, states, sel.ID)
	for _, run := range slices.Backward(runs) {
		g.Runs = append(g.Runs, runDot(run))
	}
	if sel.ID != 0 {
		g.Selected = runDot(sel)
		if !sel.State.Done() {
			// Built, not copied from the request: a refused trigger shows
			// this view in answer to a POST elsewhere.
			if h.streams() {
				g.StreamURL = pages.GraphStreamURL(e.Name, r.URL.Query().Get("run"))
			} else {
				g.PollURL = pages.DAGViewURL(e.Name, pages.ViewGraph, "run", r.URL.Query().Get("run"))
			}
		}
	}
	return g, nil
}

// selectedRun finds the run asked for among the recent ones, or in the
// store; with none asked for it is the newest, or none at all.
func (h *Handler) selectedRun(ctx context.Context, param, dagName string, recent []model.Run) (model.Run, error) {
	if param == "" {
		if len(recent) == 0 {
			return model.Run{}, nil
		}
		return recent[0], nil
	}
	id, err := strconv.ParseInt(param, 10, 64)
	if err != nil || id <= 0 {
		return model.Run{}, badRequest(fmt.Sprintf("run=%s in the address is not a run id (a positive whole number): pick a run from the list", param))
	}
	for _, run := range recent {
		if run.ID == id {
			return run, nil
		}
	}
	run, err := h.history.Run(ctx, id)
	if errors.Is(err, model.ErrNotFound) || (err == nil && run.DAG != dagName) {
		return model.Run{}, model.Errorf(model.ErrNotFound, "run %d of DAG %s", id, dagName)
	}
	return run, err
}

// graphOf is the definition to draw for run sel: the one it ran, which may
// differ from the file as it is now (tasks added, removed, rewired since);
// with no run selected, the file's current one.
func (h *Handler) graphOf(ctx context.Context, e *dagdir.Entry, sel model.Run) (*dag.DAG, *dag.Plan, error) {
	if sel.ID != 0 {
		def, err := h.history.Definition(ctx, sel)
		if err == nil {
			return def.DAG, def.Plan, nil
		}
		h.logger.Warn("graph: the run's own definition cannot be read; drawing the current file", "run_id", sel.ID, "err", err)
	}
	plan, err := dag.NewPlan(e.DAG)
	return e.DAG, plan, err
}

func runDot(r model.Run) pages.RunDot {
	return pages.RunDot{ID: r.ID, State: string(r.State), When: r.QueuedAt}
}

// layoutGraph places the tasks in layers, left to right: a task's layer is
// the length of the longest path of dependencies leading to it, so every
// edge points rightwards. Within a layer tasks keep their order in the
// file, and each layer is centred vertically.
func layoutGraph(d *dag.DAG, plan *dag.Plan, states map[string]string, runID int64) pages.GraphView {
	n := plan.Len()
	layer := make([]int, n)
	for _, i := range plan.OrderIdx() {
		for _, u := range plan.UpstreamIdx(i) {
			layer[i] = max(layer[i], layer[u]+1)
		}
	}
	var perLayer []int // tasks in each layer
	row := make([]int, n)
	for i := range n { // file order
		for len(perLayer) <= layer[i] {
			perLayer = append(perLayer, 0)
		}
		row[i] = perLayer[layer[i]]
		perLayer[layer[i]]++
	}
	tallest := slices.Max(append(perLayer, 1))
	stepX, stepY := pages.NodeW+graphColGap, pages.NodeH+graphRowGap
	g := pages.GraphView{
		Width:  2*graphPad + len(perLayer)*stepX - graphColGap,
		Height: 2*graphPad + tallest*stepY - graphRowGap,
		Nodes:  make([]pages.GraphNode, n),
	}
	for i, t := range d.Tasks {
		node := pages.GraphNode{
			ID: t.ID, Label: shorten(t.ID, labelMax), Op: t.Op, State: states[t.ID],
			X: graphPad + layer[i]*stepX,
			Y: graphPad + (tallest-perLayer[layer[i]])*stepY/2 + row[i]*stepY,
		}
		if runID != 0 {
			node.Href = pages.RunURL(runID) + "?task=" + t.ID
		}
		g.Nodes[i] = node
	}
	for i := range n {
		for _, u := range plan.UpstreamIdx(i) {
			g.Edges = append(g.Edges, graphEdge(g.Nodes[u], g.Nodes[i]))
		}
	}
	return g
}

// graphEdge is a curve from the right side of from to the left side of to.
func graphEdge(from, to pages.GraphNode) pages.GraphEdge {
	x1, y1 := from.X+pages.NodeW, from.Y+pages.NodeH/2
	x2, y2 := to.X-2, to.Y+pages.NodeH/2
	mid := (x1 + x2) / 2
	return pages.GraphEdge{
		D:     fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, mid, y1, mid, y2, x2, y2),
		State: from.State,
	}
}

// shorten cuts s to at most n characters, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
