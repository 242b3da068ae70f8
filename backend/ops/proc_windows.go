//go:build windows

package ops

import (
	"context"
	"os/exec"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

const (
	defaultShell = "cmd.exe"
	shellFlag    = "/C"
)

// runGroup runs cmd; on cancel the process is killed. Windows has no
// process groups in the POSIX sense; children may outlive a killed task,
// and nothing identifies the process for a restart after a crash, so an
// interrupted try is retried as before.
func runGroup(cmd *exec.Cmd, grace time.Duration, started func(model.Process) error) error {
	cmd.WaitDelay = grace
	if err := cmd.Start(); err != nil {
		return err
	}
	if err := started(model.Process{}); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	return cmd.Wait()
}

// ProcessOf returns no identity on Windows; see runGroup.
func ProcessOf(int) (model.Process, error) { return model.Process{}, nil }

// EndLeftover has nothing to end: no process is ever recorded here.
func (Shell) EndLeftover(context.Context, model.Process, []string) ([]int, error) { return nil, nil }
