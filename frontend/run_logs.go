package frontend

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"

	"github.com/meshflow/meshflow/backend/api"
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
func (h *Handler) runLogs(d api.RunDetail, filter string) []pages.LogBlock {
	if h.logs == "" {
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
			b.Text, b.Truncated, b.Missing = readTail(h.logs.Path(d.Run.DAG, d.Run.ID, t.TaskID, try), tail)
			out = append(out, b)
		}
	}
	return out
}

// readTail returns the last n bytes of the file at path, whether it cut
// anything off, and whether the file is missing or empty (a try that wrote
// nothing leaves no file). Other read errors are shown as the log's text.
func readTail(path string, n int64) (text string, truncated, missing bool) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, true
	}
	if err != nil {
		return "(the log cannot be read: " + err.Error() + ")", false, false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "(the log cannot be read: " + err.Error() + ")", false, false
	}
	if info.Size() == 0 {
		return "", false, true
	}
	if info.Size() > n {
		if _, err := f.Seek(-n, io.SeekEnd); err != nil {
			return "(the log cannot be read: " + err.Error() + ")", false, false
		}
		truncated = true
	}
	b, err := io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		return "(the log cannot be read: " + err.Error() + ")", false, false
	}
	if truncated {
		// Start at a whole line, not in the middle of one (or of a
		// multi-byte character).
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	return string(b), truncated, false
}
