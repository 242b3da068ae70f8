package ops

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/meshflow/meshflow/backend/model"
)

// pdeathsig: on Linux the kernel signals a task's shell when meshflow dies,
// so a crash does not leave it running until the next start. It is SIGTERM,
// as for a cancel, so that a task can clean up; what ignores it, and the
// shell's own children (the signal is not inherited), are ended by the
// next start before the task is retried.
const pdeathsig = true

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// bootID tells this boot of the machine from others: start times count
// from boot, so a process recorded before a reboot is gone whatever runs
// under its pid now.
var bootID = sync.OnceValue(func() string {
	b, _ := os.ReadFile("/proc/sys/kernel/random/boot_id")
	return strings.TrimSpace(string(b))
})

// ProcessOf identifies the process group led by pid.
func ProcessOf(pid int) (model.Process, error) {
	st, err := readStat(pid)
	if err != nil {
		return model.Process{}, err
	}
	return model.Process{PGID: pid, StartTime: st.start, Boot: bootID()}, nil
}

// procStat is what meshflow reads of /proc/<pid>/stat.
type procStat struct {
	state byte  // R, S, D, Z (zombie: it runs nothing), ...
	pgrp  int   // process group
	start int64 // start time in clock ticks since boot
}

func readStat(pid int) (procStat, error) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	return parseStat(data)
}

// parseStat reads fields 3 (state), 5 (pgrp) and 22 (starttime). Field 2,
// the command name in parentheses, may hold spaces and parentheses itself,
// so fields are counted from the last ')'.
func parseStat(data []byte) (procStat, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, errors.New("malformed /proc stat")
	}
	f := strings.Fields(string(data[i+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return procStat{}, errors.New("malformed /proc stat")
	}
	pgrp, err1 := strconv.Atoi(f[2])
	start, err2 := strconv.ParseInt(f[19], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return procStat{}, fmt.Errorf("malformed /proc stat: %w", err)
	}
	return procStat{state: f[0][0], pgrp: pgrp, start: start}, nil
}

// running: a zombie or dead process has ended; it only waits to be reaped.
func (st procStat) running() bool { return st.state != 'Z' && st.state != 'X' }

// groupMembers lists the processes of group pgid that still run.
func groupMembers(pgid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil && st.pgrp == pgid && st.running() {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// leftovers lists the running processes of group p if, and only if, the
// group is certainly the one the try started. A group keeps its id from
// being given to a new process for as long as it has members, so:
//   - the leader, under its pid with its start time (even as a zombie),
//     vouches for the whole group;
//   - another process under the leader's pid means the group ended;
//   - with the leader gone, the group is the try's if a member carries the
//     try's marks in its environment and started after the leader; without
//     such a member nothing is signalled and an error says why.
func leftovers(p model.Process, marks []string) ([]int, error) {
	if p.Boot != "" && p.Boot != bootID() {
		return nil, nil // recorded before a reboot
	}
	members, err := groupMembers(p.PGID)
	if err != nil {
		return nil, err
	}
	leader, err := readStat(p.PGID)
	switch {
	case err == nil && p.StartTime != 0 && leader.start == p.StartTime:
		return members, nil
	case err == nil && p.StartTime != 0:
		return nil, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	case len(members) == 0:
		return nil, nil
	}
	for _, pid := range members {
		if st, err := readStat(pid); err == nil && st.start >= p.StartTime && hasEnv(pid, marks) {
			return members, nil
		}
	}
	return nil, fmt.Errorf("process group %d still has processes (pids %v), but none can be told to be the try's "+
		"(its leader is gone and none carries %s): meshflow signals nothing it cannot identify", p.PGID, members, strings.Join(marks, " "))
}

// hasEnv reports whether pid's environment holds every entry of marks.
func hasEnv(pid int, marks []string) bool {
	if len(marks) == 0 {
		return false
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	env := map[string]bool{}
	for _, kv := range bytes.Split(data, []byte{0}) {
		env[string(kv)] = true
	}
	for _, m := range marks {
		if !env[m] {
			return false
		}
	}
	return true
}
