//go:build windows

package ops

import (
	"os/exec"
	"time"
)

const (
	defaultShell = "cmd.exe"
	shellFlag    = "/C"
)

// runGroup runs cmd; on cancel the process is killed. Windows has no
// process groups in the POSIX sense; children may outlive a killed task.
func runGroup(cmd *exec.Cmd, grace time.Duration) error {
	cmd.WaitDelay = grace
	return cmd.Run()
}
