package frontend

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strings"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/pages"
)

// recentRuns is how many runs the DAG list draws per DAG.
const recentRuns = 10

// listDAGs renders the DAG files that pass the filters in the address
// (see workflow.ParseDAGFilter) with their schedule, state and last runs,
// and the errors of the files that do not parse.
func (h *Handler) listDAGs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	filter, err := workflow.ParseDAGFilter(r.URL.Query())
	if err != nil {
		h.badRequest(w, r, http.StatusBadRequest, err.Error())
		return
	}
	dags, err := h.flows.DAGs(ctx)
	if err != nil {
		h.serverError(w, r, "list the DAGs", err)
		return
	}
	list := pages.DAGList{Dir: h.info.DAGDir, Now: h.now(), Query: pages.DAGQuery(r.URL.Query()), Total: len(dags)}
	for _, d := range dags {
		list.Tags = append(list.Tags, d.Tags...)
	}
	slices.Sort(list.Tags)
	list.Tags = slices.Compact(list.Tags)
	for _, d := range filter.Filter(dags) {
		row, err := h.dagRow(ctx, d)
		if err != nil {
			h.serverError(w, r, "read the runs of "+d.Name, err)
			return
		}
		list.DAGs = append(list.DAGs, row)
	}
	h.render(w, r, http.StatusOK, pages.DAGsPage(h.chrome(ctx, "dags"), list))
}

// dagRow fills one line of the DAG list.
func (h *Handler) dagRow(ctx context.Context, d workflow.DAG) (pages.DAGRow, error) {
	row := pages.DAGRow{
		Name: d.Name, File: filepath.Base(d.File), Description: d.Description, Tags: d.Tags,
		NextRun: d.NextRunAt, Paused: d.Paused, Error: h.relativeToDAGDir(d.Error), Stale: d.Stale,
		Runnable: d.Error == "" || d.Stale, Now: h.now(), Warnings: len(d.Warnings),
	}
	if d.Schedule != "" {
		row.Schedule = dag.DescribeSchedule(d.Schedule)
		if e, err := h.flows.Entry(d.Name); err == nil && e.DAG != nil {
			row.Timezone = e.DAG.Timezone
		}
	}
	if !row.Runnable {
		return row, nil
	}
	runs, err := h.history.Runs(ctx, model.RunFilter{DAG: d.Name, Limit: recentRuns})
	if err != nil {
		return row, err
	}
	for _, run := range slices.Backward(runs) {
		row.Recent = append(row.Recent, pages.RunDot{ID: run.ID, State: string(run.State), When: run.QueuedAt})
	}
	return row, nil
}

// relativeToDAGDir shortens the file paths in validation messages to names
// within the DAG folder, which the page names once.
func (h *Handler) relativeToDAGDir(msg string) string {
	if h.info.DAGDir == "" {
		return msg
	}
	return strings.ReplaceAll(msg, h.info.DAGDir+string(filepath.Separator), "")
}
