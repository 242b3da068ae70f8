package tasklog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/meshflow/meshflow/backend/model"
)

// processesFile is the file, beside a run's logs, that records the
// processes its tries start: one JSON line each, appended.
const processesFile = "processes"

// processRecord is one line of the processes file: a try started Process,
// or (Ended) has ended what it started.
type processRecord struct {
	Task    string         `json:"task"`
	Try     int            `json:"try"`
	Process *model.Process `json:"process,omitempty"`
	Ended   bool           `json:"ended,omitempty"`
}

// WriteProcess records that k's try runs p: the executor writes it before
// the try's command may do anything, so that a meshflow killed before its
// journal names p still finds p on the next start. It guards against the
// death of meshflow, not of the machine, whose crash ends p too (and
// changes the boot id): the appended line is in the kernel's page cache
// then, which outlives the process, so it is not synced, which would cost
// milliseconds a try. One file per run, appended to, because creating a
// file per try cost a third of a short task's time on a small VM.
func (d Dir) WriteProcess(k Key, p model.Process) error {
	return d.appendProcess(k, processRecord{Task: k.Task, Try: k.Try, Process: &p})
}

// RemoveProcess records that k's try has ended the processes it started.
func (d Dir) RemoveProcess(k Key) {
	_ = d.appendProcess(k, processRecord{Task: k.Task, Try: k.Try, Ended: true})
}

func (d Dir) appendProcess(k Key, rec processRecord) error {
	line, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	dir := d.runDir(k.DAG, k.RunID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("task log: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, processesFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("task log: record process: %w", err)
	}
	// One write of one line: appends by concurrent tries never interleave.
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("task log: record process: %w", err)
	}
	return nil
}

// ReadProcess returns the process recorded for k; ErrNotFound if none is,
// or if the try has ended it.
func (d Dir) ReadProcess(k Key) (model.Process, error) {
	data, err := os.ReadFile(filepath.Join(d.runDir(k.DAG, k.RunID), processesFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return model.Process{}, fmt.Errorf("task log: %w", err)
	}
	var found *model.Process
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		var rec processRecord
		// A line cut short by a full disk is skipped, not fatal.
		if json.Unmarshal(line, &rec) != nil || rec.Task != k.Task || rec.Try != k.Try {
			continue
		}
		found = rec.Process
		if rec.Ended {
			found = nil
		}
	}
	if found == nil {
		return model.Process{}, model.Errorf(model.ErrNotFound, "no process recorded for %s", k.Name())
	}
	return *found, nil
}
