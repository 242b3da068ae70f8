//go:build !windows && !linux

package ops

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/meshflow/meshflow/backend/model"
)

// pdeathsig: only Linux can signal a child when its parent dies.
const pdeathsig = false

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// ProcessOf identifies the process group led by pid. Here a process's
// start time is not read, so the group cannot be told apart from a later
// one under the same id.
func ProcessOf(pid int) (model.Process, error) { return model.Process{PGID: pid}, nil }

// groupMembers reports whether group pgid has processes; their pids are
// not listed here, so the group id stands for them.
func groupMembers(pgid int) ([]int, error) {
	err := syscall.Kill(-pgid, 0)
	if errors.Is(err, syscall.ESRCH) {
		return nil, nil
	}
	return []int{pgid}, nil
}

// leftovers cannot identify a group here: if the group id is in use at
// all, nothing is signalled and the try is not retried on top of it.
func leftovers(p model.Process, _ []string) ([]int, error) {
	if left, _ := groupMembers(p.PGID); len(left) == 0 {
		return nil, nil
	}
	return nil, fmt.Errorf("process group %d may still run the try, and on this system meshflow cannot tell whether it is the try's", p.PGID)
}
