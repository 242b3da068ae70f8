package frontend

import (
	"strconv"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// How much of each log the run page shows. The page is re-read on every
// live update and a run may have hundreds of tasks, so all the logs shown
// together share pageLogBudget; one task's logs (?task=) get logTail bytes
// and logLines lines each. The download has the rest.
const (
	logTail       = 256 << 10
	logLines      = 10000
	minLogTail    = 4 << 10
	pageLogBudget = 512 << 10
	pageLogLines  = 2000
)

// tailFor is how much of each log to show when n logs share the page.
func tailFor(n int, filtered bool) (bytes int64, lines int) {
	if filtered || n == 0 {
		return logTail, logLines
	}
	return int64(min(max(pageLogBudget/n, minLogTail), logTail)), pageLogLines
}

// runLogs reads the logs shown on the run page: the newest try of every
// task that has started, or every try of the one task filtered for, each
// under a header saying how the try went.
func (h *Handler) runLogs(d workflow.RunDetail, filter string) []pages.LogBlock {
	if h.logs == nil {
		return nil
	}
	started := 0
	for _, t := range d.Tasks {
		if t.Try > 0 {
			started++
		}
	}
	maxBytes, maxLines := tailFor(started, filter != "")
	var out []pages.LogBlock
	for _, t := range d.Tasks {
		if t.Try == 0 || (filter != "" && t.TaskID != filter) {
			continue
		}
		tries := triesOf(d, t)
		if filter == "" {
			tries = tries[len(tries)-1:]
		}
		for _, try := range tries {
			key := tasklog.Key{DAG: d.Run.DAG, RunID: d.Run.ID, Task: t.TaskID, Try: try.Try}
			b := pages.LogBlock{Task: t.TaskID, Try: try, Tries: t.MaxTries, Current: try.Try == t.Try}
			b.View = components.LogView{
				ID:          "log-" + t.TaskID + "-" + strconv.Itoa(try.Try),
				DownloadURL: pages.LogURL(d.Run.ID, t.TaskID, try.Try),
				Empty:       "No output.",
			}
			if b.Current && !t.State.Done() {
				b.View.Empty = "No output yet."
			}
			page, err := h.logs.Read(key, maxBytes, maxLines)
			if err != nil {
				b.View.Empty = "The log cannot be read: " + err.Error()
			}
			b.View.Lines, b.View.Truncated, b.HasLog = page.Lines, page.Truncated, !page.Missing
			out = append(out, b)
		}
	}
	return out
}

// triesOf lists every try of t, oldest first, each with its state, exit
// code and times, from the run's history; the current try, before the
// history has it, from the task itself. A try missing from both — a run
// from before tries were kept — gets its number alone.
func triesOf(d workflow.RunDetail, t model.TaskRun) []model.Try {
	byNumber := map[int]model.Try{}
	for _, try := range d.TriesOf(t) {
		byNumber[try.Try] = try
	}
	out := make([]model.Try, 0, t.Try)
	for n := 1; n <= t.Try; n++ {
		try, ok := byNumber[n]
		switch {
		case ok:
		case n == t.Try:
			try = model.Try{
				TaskID: t.TaskID, Try: n, State: t.State, StartedAt: t.StartedAt,
				EndedAt: t.EndedAt, ExitCode: t.ExitCode, Error: t.Error,
			}
		default:
			try = model.Try{TaskID: t.TaskID, Try: n}
		}
		out = append(out, try)
	}
	return out
}
