package frontend

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/pages"
)

// runPageSize is how many runs one page of the runs list shows.
const runPageSize = 50

// listRuns renders one page of runs, newest first, filtered by DAG, tag,
// state, trigger and the days they were queued on (see
// workflow.ParseRunFilter); days are read in the browser's zone, which the
// form sends, else the server's. Paging is by id, like the audit log, so
// runs started meanwhile never shift the page being read.
func (h *Handler) listRuns(w http.ResponseWriter, r *http.Request) {
	ctx, q := r.Context(), r.URL.Query()
	l := pages.RunList{Query: pages.RunQuery(q), State: q.Get("state"), Now: h.now()}
	f, err := workflow.ParseRunFilter(q, time.Local)
	if err != nil {
		h.badRequest(w, r, http.StatusBadRequest, err.Error())
		return
	}
	f.Limit = runPageSize + 1
	if f.BeforeID, err = cursor(r, "before"); err != nil {
		h.fail(w, r, "list runs", err)
		return
	}
	runs, err := h.history.Runs(ctx, f)
	if err != nil {
		h.serverError(w, r, "list runs", err)
		return
	}
	if len(runs) > runPageSize {
		runs = runs[:runPageSize]
		l.OlderURL = l.URL("before", id(runs[runPageSize-1].ID))
	}
	if f.BeforeID > 0 {
		l.NewerURL = l.URL()
	}
	l.Runs = runs
	if err := h.countRuns(ctx, &l, f); err != nil {
		h.serverError(w, r, "count runs", err)
		return
	}
	if l.DAGs, l.Tags, err = h.dagNamesAndTags(ctx); err != nil {
		h.serverError(w, r, "list the DAGs", err)
		return
	}
	h.render(w, r, http.StatusOK, pages.RunsPage(h.chrome(ctx, "runs"), l))
}

// countRuns fills in how many runs match f, of how many there are.
func (h *Handler) countRuns(ctx context.Context, l *pages.RunList, f model.RunFilter) error {
	var err error
	if l.Total, err = h.history.CountRuns(ctx, model.RunFilter{}); err != nil {
		return err
	}
	l.Shown = l.Total
	if l.Filtered() {
		f.BeforeID = 0
		l.Shown, err = h.history.CountRuns(ctx, f)
	}
	return err
}

// dagNamesAndTags lists the DAGs and the tags they carry, sorted, for
// filters to offer.
func (h *Handler) dagNamesAndTags(ctx context.Context) (names, tags []string, err error) {
	dags, err := h.flows.DAGs(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, d := range dags {
		names = append(names, d.Name)
		tags = append(tags, d.Tags...)
	}
	slices.Sort(names)
	slices.Sort(tags)
	return names, slices.Compact(tags), nil
}
