//go:build !windows

package ops

import (
	"os/exec"
	"runtime"
	"syscall"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

const (
	defaultShell = "/bin/sh"
	shellFlag    = "-c"
)

// runGroup runs cmd as the leader of a new process group, so that stopping
// it stops everything it started: on cancel the whole group gets SIGTERM,
// and after grace SIGKILL. Whatever is left of the group when the leader
// exits is killed too, so no stray child outlives its task. started hears
// of the group as soon as it exists.
func runGroup(cmd *exec.Cmd, grace time.Duration, started func(model.Process)) error {
	cmd.SysProcAttr = sysProcAttr()
	if pdeathsig {
		// The kernel sends the parent-death signal when the thread that
		// forked the child ends, not the process (go.dev/issue/27505), and
		// the Go runtime ends a thread whenever a goroutine exits while
		// locked to it. Keeping this goroutine on its thread until the
		// child is reaped means only meshflow's death ends that thread.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
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
	// Until Wait reaps it the leader cannot vanish, so its start time read
	// now is its own, whatever it has already done.
	p, err := ProcessOf(cmd.Process.Pid)
	if err != nil {
		p = model.Process{PGID: cmd.Process.Pid}
	}
	started(p)
	err = cmd.Wait()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	return err
}
