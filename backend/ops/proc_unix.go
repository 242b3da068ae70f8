//go:build !windows

package ops

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// shellFlag makes the shell run its next argument as a command line.
const shellFlag = "-c"

// gateShell runs the gate in front of commands that are not shell lines;
// any POSIX shell can.
const gateShell = "/bin/sh"

// defaultShell runs a shell task without with.shell: bash where it is
// installed, because scripts written for "the shell" mostly assume it
// ($RANDOM, arrays, [[ ]]) and /bin/sh is often dash, where those are
// silently empty or errors; /bin/sh elsewhere.
var defaultShell = findShell()

func findShell() string {
	if path, err := exec.LookPath("bash"); err == nil {
		return path
	}
	return gateShell
}

// runGroup runs cmd as the leader of a new process group, so that stopping
// it stops everything it started: on cancel the whole group gets SIGTERM,
// and after grace SIGKILL. Whatever is left of the group when the leader
// exits is killed too, so no stray child outlives its task. started hears
// of the group as soon as it exists, before the command runs (see gate).
func runGroup(cmd *exec.Cmd, grace time.Duration, started func(model.Process) error) error {
	cmd.SysProcAttr = sysProcAttr()
	release, err := gate(cmd)
	if err != nil {
		return err
	}
	defer release.Close()
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
	err = cmd.Start()
	_ = cmd.ExtraFiles[0].Close() // the gate's end, now the child's
	if err != nil {
		return err
	}
	// Until Wait reaps it the leader cannot vanish, so its start time read
	// now is its own; exec keeps both its pid and its start time.
	p, err := ProcessOf(cmd.Process.Pid)
	if err != nil {
		p = model.Process{PGID: cmd.Process.Pid}
	}
	if err = started(p); err == nil {
		_, err = release.WriteString("go\n")
	}
	if err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	werr := cmd.Wait()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if err != nil {
		return err
	}
	return werr
}

// gateScript holds a new process back until meshflow has recorded it: it
// waits for "go" on fd 3, then becomes the command by exec, keeping its pid
// and start time. If meshflow dies first, the pipe closes unwritten and the
// gate exits without running the command, which then never ran unrecorded.
const gateScript = `IFS= read -r go <&3 && [ "$go" = go ] || exit 125; exec 3<&-; exec "$@"`

// gatePrefix is the same gate for a command the default shell runs anyway: put in
// front of its first line, it costs no second exec of a shell (a third of
// a `true` task's time) and keeps the command's line numbers and $0.
const gatePrefix = `IFS= read -r __meshflow_go <&3 && [ "$__meshflow_go" = go ] || exit 125; exec 3<&-; unset __meshflow_go; `

// gate makes cmd wait for meshflow's go before its own command runs and
// returns the pipe end that releases it.
func gate(cmd *exec.Cmd) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start task: %w", err)
	}
	cmd.ExtraFiles = append([]*os.File{r}, cmd.ExtraFiles...) // fd 3
	switch {
	case cmd.Err != nil:
	case cmd.Path == defaultShell && len(cmd.Args) == 3 && cmd.Args[1] == shellFlag:
		cmd.Args[2] = gatePrefix + cmd.Args[2]
	default:
		cmd.Args = append([]string{gateShell, shellFlag, gateScript, "meshflow-gate", cmd.Path}, cmd.Args[1:]...)
		cmd.Path = gateShell
	}
	return w, nil
}
