package frontend

import (
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/pages"
)

// logTail is how much of the end of one log file the run page shows, and
// pageLogBudget bounds all of them together when every task is shown: the
// page is re-read on every live update, and a run may have hundreds of
// tasks. Filtering for one task shows its full tail.
const (
	logTail       = 64 << 10
	minLogTail    = 4 << 10
	pageLogBudget = 512 << 10
)

// tailFor is how much of each log to show when n logs share the page.
func tailFor(n int, filtered bool) int64 {
	if filtered || n == 0 {
		return logTail
	}
	return int64(min(max(pageLogBudget/n, minLogTail), logTail))
}

// runLogs reads the logs shown on the run page: the newest try of every
// task that has started, or every try of the one task filtered for.
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
	tail := tailFor(started, filter != "")
	var out []pages.LogBlock
	for _, t := range d.Tasks {
		if t.Try == 0 || (filter != "" && t.TaskID != filter) {
			continue
		}
		first := t.Try
		if filter != "" {
			first = 1
		}
		for try := first; try <= t.Try; try++ {
			b := pages.LogBlock{Task: t.TaskID, Try: try, Tries: t.MaxTries}
			if try == t.Try {
				b.State = string(t.State)
			}
			got, err := h.logs.Tail(tasklog.Key{DAG: d.Run.DAG, RunID: d.Run.ID, Task: t.TaskID, Try: try}, tail)
			if err != nil {
				got.Text = "(the log cannot be read: " + err.Error() + ")"
			}
			b.Text, b.Truncated, b.Missing = got.Text, got.Truncated, got.Missing
			out = append(out, b)
		}
	}
	return out
}
