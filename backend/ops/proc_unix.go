//go:build !windows

package ops

import (
	"os/exec"
	"syscall"
	"time"
)

const (
	defaultShell = "/bin/sh"
	shellFlag    = "-c"
)

// runGroup runs cmd as the leader of a new process group, so that stopping
// it stops everything it started: on cancel the whole group gets SIGTERM,
// and after grace SIGKILL. Whatever is left of the group when the leader
// exits is killed too, so no stray child outlives its task.
func runGroup(cmd *exec.Cmd, grace time.Duration) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		pid := cmd.Process.Pid
		_ = syscall.Kill(-pid, syscall.SIGTERM)
		time.AfterFunc(grace, func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
		return nil
	}
	// Children that keep the output pipes open must not hold Wait forever.
	cmd.WaitDelay = grace + time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	err := cmd.Wait()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	return err
}
