package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/pages"
)

// showRun renders a run: its facts, tasks, timeline and logs (?task= shows
// one task's logs, every try). While the run is active the page refreshes
// its live part every second; that refresh asks for the part alone.
func (h *Handler) showRun(w http.ResponseWriter, r *http.Request) {
	runID, ok := h.runID(w, r)
	if !ok {
		return
	}
	detail, err := h.flows.RunDetail(r.Context(), runID)
	if errors.Is(err, model.ErrNotFound) {
		h.missingRun(w, r, runID)
		return
	}
	if err != nil {
		h.serverError(w, r, "read run "+strconv.FormatInt(runID, 10), err)
		return
	}
	filter := r.URL.Query().Get("task")
	if filter != "" && !slices.ContainsFunc(detail.Tasks, func(t model.TaskRun) bool { return t.TaskID == filter }) {
		h.missing(w, r, "runs", "No such task", fmt.Sprintf("Run %d has no task named %s.", runID, filter))
		return
	}
	page := h.runPage(detail, filter)
	if r.Header.Get("HX-Target") == "run-live" {
		h.render(w, r, http.StatusOK, pages.RunLive(page))
		return
	}
	page.Flash = h.flashes.get(r.URL.Query().Get("flash"))
	h.render(w, r, http.StatusOK, pages.RunShowPage(h.chrome(r.Context(), "runs"), page))
}

// runPage fills the run page from what the engine has recorded.
func (h *Handler) runPage(d workflow.RunDetail, filter string) pages.RunPage {
	now := h.now()
	p := pages.RunPage{
		Run: d.Run, Params: facts(d.Run.Params), Now: now, Filter: filter, Waiting: d.Waiting,
		CanCancel:      !d.Run.State.Done(),
		CanRetryFailed: d.Run.State == model.RunFailed || d.Run.State == model.RunCancelled,
		Gantt:          gantt(d, now),
		Logs:           h.runLogs(d, filter),
	}
	if !d.Run.State.Done() {
		query := ""
		if filter != "" {
			query = "?task=" + url.QueryEscape(filter)
		}
		if h.streams() {
			p.StreamURL = pages.RunURL(d.Run.ID) + "/events" + query
		} else {
			p.PollURL = pages.RunURL(d.Run.ID) + query
		}
	}
	for _, t := range d.Tasks {
		row := pages.TaskRow{TaskRun: t, Outputs: facts(t.Outputs), Wait: d.Waits[t.TaskID]}
		if c, ok := d.Children[t.TaskID]; ok {
			row.Child = &pages.ChildRun{ID: c.ID, DAG: c.DAG, State: c.State}
		}
		row.CanClear = t.State.Done()
		row.CanMark = t.State != model.TaskSuccess && t.State != model.TaskRunning
		row.CanMarkFailed = t.State.Done() && t.State != model.TaskFailed
		p.Tasks = append(p.Tasks, row)
	}
	return p
}

// facts lists a map's entries as name = value, sorted by name.
func facts[V any](m map[string]V) []pages.Fact {
	out := make([]pages.Fact, 0, len(m))
	for k, v := range m {
		out = append(out, pages.Fact{Label: k, Value: fmt.Sprint(v)})
	}
	slices.SortFunc(out, func(a, b pages.Fact) int {
		if a.Label < b.Label {
			return -1
		}
		if a.Label > b.Label {
			return 1
		}
		return 0
	})
	return out
}

// runID reads the run id from the path; a malformed one is an unknown run.
func (h *Handler) runID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		h.missing(w, r, "runs", "No such run", "There is no run "+r.PathValue("id")+": run ids are whole numbers.")
		return 0, false
	}
	return n, true
}

// missingRun answers 404 for a run that does not exist.
func (h *Handler) missingRun(w http.ResponseWriter, r *http.Request, id int64) {
	audit.Refuse(r.Context(), fmt.Sprintf("unknown run %d", id))
	h.missing(w, r, "runs", "No such run", fmt.Sprintf("There is no run %d. (Log retention removes old runs' logs, never the runs themselves.)", id))
}
