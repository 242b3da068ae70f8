package frontend

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// historyKept is what every action that runs tasks again promises.
const historyKept = "Earlier tries stay in the run's history, with their logs and exit codes."

// confirmRunAction asks before an action on a run (GET of the action's
// URL), listing the tasks that will change and how; the POST to the same
// URL acts.
func (h *Handler) confirmRunAction(action workflow.Action) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		runID, ok := h.runID(w, r)
		if !ok {
			return
		}
		task := r.PathValue("task")
		d, changes, err := h.flows.Changes(r.Context(), runID, action, task)
		switch {
		case errors.Is(err, model.ErrNotFound) && !h.runExists(r, runID):
			h.missingRun(w, r, runID)
			return
		case errors.Is(err, model.ErrNotFound):
			h.missing(w, r, "runs", "No such task", fmt.Sprintf("Run %d has no task named %s.", runID, task))
			return
		case err != nil:
			h.fail(w, r, "preview a change to run "+id(runID), err)
			return
		}
		conf := confirmation(d.Run, action, task, changes)
		title := "Run " + id(runID)
		crumbs := []pages.Crumb{{Label: "Runs", Href: "/runs"}, {Label: d.Run.DAG, Href: pages.DAGURL(d.Run.DAG)}, {Label: title, Href: pages.RunURL(runID)}}
		h.render(w, r, http.StatusOK, pages.ConfirmPage(h.chrome(r.Context(), "runs"), conf.Question, crumbs, conf))
	}
}

// confirmation words the question for action on run.
func confirmation(run model.Run, action workflow.Action, task string, changes []workflow.Change) components.Confirmation {
	runURL := pages.RunURL(run.ID)
	c := components.Confirmation{Subject: "Tasks that will change", Back: runURL, Action: actionURL(run.ID, action, task)}
	for _, ch := range changes {
		it := components.ConfirmItem{Label: ch.Task, Href: pages.TaskLogsURL(run.ID, ch.Task), From: string(ch.From), To: string(ch.To)}
		if ch.Tries > 0 {
			it.Detail = components.Plural(ch.Tries, "try", "tries") + " so far"
		}
		c.Items = append(c.Items, it)
	}
	n := components.Plural(len(changes), "task", "tasks")
	switch action {
	case workflow.ActionCancel:
		c.Question = "Cancel run " + id(run.ID) + " of " + run.DAG + "?"
		c.Lead = "Tasks that have not started are cancelled; running ones are stopped, their processes killed. Finished tasks keep their state."
		c.Empty = "Every task has finished: nothing would change."
		c.Note = "The run's history and logs are kept."
		c.Button, c.Danger = "Cancel the run", true
	case workflow.ActionRetryFailed:
		c.Question = "Retry the failed tasks of run " + id(run.ID) + "?"
		c.Lead = "The failed, upstream-failed and cancelled tasks run again with a fresh retry budget, and so does every task after them."
		c.Empty = "No task failed: nothing would run again."
		c.Note, c.Button = historyKept, "Retry "+n
	case workflow.ActionClear:
		c.Question = "Clear " + task + " and the tasks after it?"
		c.Lead = "These tasks run again with a fresh retry budget, in the order the DAG gives."
		c.Empty = "Nothing would change."
		c.Note, c.Button = historyKept, "Clear "+n
	case workflow.ActionMarkSuccess:
		c.Question = "Mark " + task + " as succeeded?"
		c.Lead = task + " is treated as succeeded without running again; the tasks after it go on as if it had."
		c.Empty = task + " has already succeeded."
		c.Button = "Mark success"
	case workflow.ActionMarkFailed:
		c.Question = "Mark " + task + " as failed?"
		c.Lead = task + " is treated as failed; tasks after it that need it to succeed become upstream failed."
		c.Empty = task + " has already failed."
		c.Button, c.Danger = "Mark failed", true
	}
	return c
}

// actionURL is where an action on a run is posted.
func actionURL(runID int64, action workflow.Action, task string) string {
	switch action {
	case workflow.ActionCancel:
		return pages.RunURL(runID) + "/cancel"
	case workflow.ActionRetryFailed:
		return pages.RunURL(runID) + "/retry-failed"
	case workflow.ActionClear:
		return pages.TaskActionURL(runID, task, "clear")
	case workflow.ActionMarkSuccess:
		return pages.TaskActionURL(runID, task, "mark-success")
	default:
		return pages.TaskActionURL(runID, task, "mark-failed")
	}
}
