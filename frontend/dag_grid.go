package frontend

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// A page of the grid shows as many runs as a wide screen has room for,
// gridMaxRuns, opening scrolled to the newest; for a DAG of many tasks,
// fewer, so that a page stays near gridCells cells (a few hundred KB of
// HTML), but never fewer than gridMinRuns.
const (
	gridMaxRuns = 80
	gridMinRuns = 25
	gridCells   = 2500
)

// gridPageSize is how many runs a page of a DAG of n tasks shows.
func gridPageSize(n int) int {
	return min(gridMaxRuns, max(gridMinRuns, gridCells/max(n, 1)))
}

// gridView is one page of the DAG's runs × tasks, oldest on the left and
// newest on the right, as the DAG list's dots and the graph's run picker
// show them. It reads one page of runs and their tasks in two queries, so
// its cost does not grow with the number of runs in the database.
func (h *Handler) gridView(r *http.Request, e *dagdir.Entry) (pages.GridView, error) {
	ctx := r.Context()
	before, err := cursor(r, "before")
	if err != nil {
		return pages.GridView{}, err
	}
	size := gridMaxRuns
	if e.DAG != nil {
		size = gridPageSize(len(e.DAG.Tasks))
	}
	runs, err := h.history.Runs(ctx, model.RunFilter{DAG: e.Name, BeforeID: before, Limit: size + 1})
	if err != nil {
		return pages.GridView{}, err
	}
	g := pages.GridView{Now: h.now()}
	if len(runs) > size {
		runs = runs[:size]
		g.OlderURL = pages.DAGViewURL(e.Name, pages.ViewGrid, "before", id(runs[size-1].ID))
	}
	if before > 0 {
		g.NewerURL = pages.DAGViewURL(e.Name, pages.ViewGrid)
	}
	slices.Reverse(runs) // newest on the right
	ids := make([]int64, len(runs))
	column := make(map[int64]int, len(runs))
	for i, run := range runs {
		ids[i], column[run.ID] = run.ID, i
	}
	tasks, err := h.history.TaskRunsOf(ctx, ids)
	if err != nil {
		return pages.GridView{}, err
	}
	var row map[string]int
	g.Tasks, row = gridRows(e.DAG, tasks)
	g.Runs = make([]pages.GridRun, len(runs))
	for i, run := range runs {
		g.Runs[i] = pages.GridRun{Run: run, Cells: make([]pages.GridCell, len(g.Tasks))}
	}
	for _, t := range tasks {
		g.Runs[column[t.RunID]].Cells[row[t.TaskID]] = pages.GridCell{TaskRun: t, Present: true}
	}
	return g, nil
}

// gridRows are the tasks of the DAG in plan order, then any task that only
// the runs of an older version had, by name.
func gridRows(d *dag.DAG, tasks []model.TaskRun) ([]string, map[string]int) {
	var rows []string
	if d != nil {
		if plan, err := dag.NewPlan(d); err == nil {
			rows = plan.Order()
		}
	}
	row := make(map[string]int, len(rows))
	for i, t := range rows {
		row[t] = i
	}
	var extra []string
	for _, t := range tasks {
		if _, ok := row[t.TaskID]; !ok {
			row[t.TaskID] = -1
			extra = append(extra, t.TaskID)
		}
	}
	slices.Sort(extra)
	for _, t := range extra {
		row[t] = len(rows)
		rows = append(rows, t)
	}
	return rows, row
}

// cursor reads a paging cursor, a positive id, from the query; 0 if absent.
func cursor(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, badRequest(fmt.Sprintf("%s=%s in the address is not a run id (a positive whole number): use the links on the page", name, v))
	}
	return n, nil
}
