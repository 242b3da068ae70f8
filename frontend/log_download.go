package frontend

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// downloadLog sends one try's whole log as a file, each line with the time
// it was written and its stream, as kept on disk (secrets were masked on
// the way in). The page shows only the end of a long log; this has it all.
func (h *Handler) downloadLog(w http.ResponseWriter, r *http.Request) {
	runID, ok := h.runID(w, r)
	if !ok {
		return
	}
	d, err := h.flows.RunDetail(r.Context(), runID)
	if errors.Is(err, model.ErrNotFound) {
		h.missingRun(w, r, runID)
		return
	}
	if err != nil {
		h.serverError(w, r, "read run "+strconv.FormatInt(runID, 10), err)
		return
	}
	task := r.PathValue("task")
	i := slices.IndexFunc(d.Tasks, func(t model.TaskRun) bool { return t.TaskID == task })
	if i < 0 {
		h.missing(w, r, "runs", "No such task", fmt.Sprintf("Run %d has no task named %s.", runID, task))
		return
	}
	try, err := strconv.Atoi(r.PathValue("try"))
	if err != nil || try < 1 || try > d.Tasks[i].Try {
		h.missing(w, r, "runs", "No such try", fmt.Sprintf("Task %s of run %d has made %d tries; there is no try %s.", task, runID, d.Tasks[i].Try, r.PathValue("try")))
		return
	}
	key := tasklog.Key{DAG: d.Run.DAG, RunID: runID, Task: task, Try: try}
	name := fmt.Sprintf("%s-run%d-%s.log", d.Run.DAG, runID, key.Name())
	hdr := w.Header()
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	sent := &countingWriter{w: w}
	err = h.logs.Copy(sent, key)
	switch {
	case err == nil:
	case sent.n > 0:
		// Headers and part of the file are gone already; the client sees
		// a short download, and the log says why.
		h.logger.Error("send log", "run", runID, "task", task, "try", try, "err", err)
	case errors.Is(err, fs.ErrNotExist):
		hdr.Del("Content-Disposition")
		h.missing(w, r, "runs", "No output", fmt.Sprintf("Try %d of task %s of run %d wrote nothing, so there is no log to download.", try, task, runID))
	default:
		hdr.Del("Content-Disposition")
		h.serverError(w, r, "read the log of "+key.Name(), err)
	}
}

// countingWriter counts what passes to w.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
