package tasklog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/meshflow/meshflow/backend/model"
)

// processPath is where the process of k is recorded, beside its log.
func (d Dir) processPath(k Key) string {
	return filepath.Join(d.runDir(k.DAG, k.RunID), k.Name()+".proc")
}

// WriteProcess records that k's try runs p: the executor writes it before
// the try's command may do anything, so that a meshflow killed before its
// journal names p still finds p on the next start. It guards against the
// death of meshflow, not of the machine, whose crash ends p too (and
// changes the boot id): the written file is in the kernel's page cache
// then, which outlives the process, so it is not synced, which would cost
// milliseconds a try.
func (d Dir) WriteProcess(k Key, p model.Process) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	dir := d.runDir(k.DAG, k.RunID)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("task log: %w", err)
	}
	tmp := d.processPath(k) + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("task log: record process: %w", err)
	}
	if err := os.Rename(tmp, d.processPath(k)); err != nil {
		return fmt.Errorf("task log: record process: %w", err)
	}
	return nil
}

// ReadProcess returns the process recorded for k; ErrNotFound if none is.
func (d Dir) ReadProcess(k Key) (model.Process, error) {
	data, err := os.ReadFile(d.processPath(k))
	if errors.Is(err, fs.ErrNotExist) {
		return model.Process{}, model.Errorf(model.ErrNotFound, "no process recorded for %s", k.Name())
	}
	if err != nil {
		return model.Process{}, fmt.Errorf("task log: %w", err)
	}
	var p model.Process
	if err := json.Unmarshal(data, &p); err != nil {
		return model.Process{}, fmt.Errorf("task log: %s: %w", d.processPath(k), err)
	}
	return p, nil
}

// RemoveProcess forgets k's process once the try has ended it.
func (d Dir) RemoveProcess(k Key) {
	_ = os.Remove(d.processPath(k))
}
