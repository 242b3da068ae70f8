package frontend

import (
	"net/http"
	"slices"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// runPageSize is how many runs one page of the runs list shows.
const runPageSize = 50

// listRuns renders one page of runs, newest first, filtered by state
// (?state=) and DAG (?dag=). Paging is by id, like the audit log, so runs
// started meanwhile never shift the page being read.
func (h *Handler) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	l := pages.RunList{State: q.Get("state"), DAG: q.Get("dag"), Now: h.now()}
	f := model.RunFilter{DAG: l.DAG, Limit: runPageSize + 1}
	if l.State != "" {
		if !slices.Contains(pages.RunStates, l.State) {
			h.badRequest(w, r, http.StatusBadRequest, "state must be one of queued, running, success, failed, cancelled")
			return
		}
		f.States = []model.RunState{model.RunState(l.State)}
	}
	var err error
	if f.BeforeID, err = cursor(r, "before"); err != nil {
		h.fail(w, r, "list runs", err)
		return
	}
	runs, err := h.history.Runs(r.Context(), f)
	if err != nil {
		h.serverError(w, r, "list runs", err)
		return
	}
	if len(runs) > runPageSize {
		runs = runs[:runPageSize]
		l.OlderURL = pages.RunListURL(l.DAG, l.State, "before", id(runs[runPageSize-1].ID))
	}
	if f.BeforeID > 0 {
		l.NewerURL = pages.RunListURL(l.DAG, l.State)
	}
	l.Runs = runs
	h.render(w, r, http.StatusOK, pages.RunsPage(h.chrome(r.Context(), "runs"), l))
}
