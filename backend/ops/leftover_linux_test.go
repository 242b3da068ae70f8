package ops

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

var testMarks = []string{"MESHFLOW_RUN_ID=7", "MESHFLOW_TASK=t", "MESHFLOW_TRY=1"}

// group starts script under sh as the leader of a new process group, as a
// crashed meshflow would have left it, and returns the group's identity
// and the pid the script prints first (a child it started). exited is
// closed once the leader has exited and been reaped.
func group(t *testing.T, script string, env []string) (p model.Process, child int, exited chan struct{}) {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() { _ = syscall.Kill(-pgid, syscall.SIGKILL) })
	if p, err = ProcessOf(pgid); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("read the child's pid: %v", err)
	}
	if child, err = strconv.Atoi(strings.TrimSpace(line)); err != nil {
		t.Fatal(err)
	}
	exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	return p, child, exited
}

// isRunning: a zombie has ended, it only waits for its parent to reap it.
func isRunning(pid int) bool {
	st, err := readStat(pid)
	return err == nil && st.running()
}

func waitNotRunning(t *testing.T, pid int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for isRunning(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still runs after %v", pid, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A pid whose start time differs is another process that got the pid
// after the try's ended: it must never be signalled.
func TestLeftoverWithAnotherStartTimeIsNotSignalled(t *testing.T) {
	p, child, exited := group(t, "sleep 30 & echo $!; wait", nil)
	for name, stale := range map[string]model.Process{
		"start time": {PGID: p.PGID, StartTime: p.StartTime + 1, Boot: p.Boot},
		"boot":       {PGID: p.PGID, StartTime: p.StartTime, Boot: "another-boot"},
	} {
		t.Run(name, func(t *testing.T) {
			ended, err := Shell{Grace: 100 * time.Millisecond}.EndLeftover(t.Context(), stale, testMarks)
			if err != nil || len(ended) > 0 {
				t.Fatalf("EndLeftover = %v, %v; want nothing ended and no error", ended, err)
			}
		})
	}
	time.Sleep(200 * time.Millisecond) // a signal sent would have landed
	select {
	case <-exited:
		t.Fatal("the leader was signalled although its start time did not match")
	default:
	}
	if !isRunning(p.PGID) || !isRunning(child) {
		t.Fatal("a process of the group was signalled although its leader's start time did not match")
	}
}

func TestLeftoverGroupIsEndedWithItsChildren(t *testing.T) {
	tests := []struct {
		name, script string
		minTook      time.Duration
	}{
		{"SIGTERM is enough", "sleep 30 & echo $!; wait", 0},
		{"SIGKILL after the grace period", `trap "" TERM; sleep 30 & echo $!; wait`, 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, child, exited := group(t, tt.script, nil)
			start := time.Now()
			ended, err := Shell{Grace: 300 * time.Millisecond}.EndLeftover(t.Context(), p, testMarks)
			took := time.Since(start)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(ended, p.PGID) || !slices.Contains(ended, child) {
				t.Errorf("ended %v, want the leader %d and its child %d", ended, p.PGID, child)
			}
			if isRunning(child) || isRunning(p.PGID) {
				t.Error("EndLeftover returned while the group still ran")
			}
			<-exited
			if took < tt.minTook || took > 3*time.Second {
				t.Errorf("took %v, want at least %v and well under the kill wait", took, tt.minTook)
			}
		})
	}
}

// Without its leader (the shell died with meshflow) the group is the try's
// only if a member carries the try's marks; otherwise nothing is signalled
// and the error says the try must not be retried on top.
func TestLeftoverWithoutLeaderIsToldByItsEnvironment(t *testing.T) {
	t.Run("marked", func(t *testing.T) {
		p, child, exited := group(t, "sleep 30 & echo $!", testMarks)
		<-exited
		ended, err := Shell{Grace: time.Second}.EndLeftover(t.Context(), p, testMarks)
		if err != nil || !slices.Equal(ended, []int{child}) {
			t.Fatalf("EndLeftover = %v, %v; want the child %d ended", ended, err, child)
		}
		waitNotRunning(t, child, time.Second)
	})
	t.Run("unmarked", func(t *testing.T) {
		p, child, exited := group(t, "sleep 30 & echo $!", []string{"MESHFLOW_RUN_ID=8", "MESHFLOW_TASK=t", "MESHFLOW_TRY=1"})
		<-exited
		ended, err := Shell{Grace: time.Second}.EndLeftover(t.Context(), p, testMarks)
		if err == nil || !strings.Contains(err.Error(), "none can be told") || len(ended) > 0 {
			t.Fatalf("EndLeftover = %v, %v; want an error and nothing ended", ended, err)
		}
		time.Sleep(100 * time.Millisecond)
		if !isRunning(child) {
			t.Fatal("a process that could not be identified was signalled")
		}
	})
}

func TestParseStat(t *testing.T) {
	tail := " 1 4242 4242 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 987654 1000 100"
	for _, comm := range []string{"(sh)", "(a b)", "(x) S 1 2 3 (y)", "()"} {
		st, err := parseStat([]byte("4242 " + comm + " S" + tail))
		if err != nil || st.state != 'S' || st.pgrp != 4242 || st.start != 987654 {
			t.Errorf("comm %s: %+v, %v", comm, st, err)
		}
	}
	if _, err := parseStat([]byte("4242 (sh S 1")); err == nil {
		t.Error("a truncated line parsed")
	}
}

// The shell reports its process group, with the leader's start time read
// while it runs, before the try ends.
func TestShellReportsItsProcess(t *testing.T) {
	task, _ := newTask(t, map[string]any{"command": "echo $$ > pid; sleep 0.2"})
	var got model.Process
	var live procStat
	task.Started = func(p model.Process) error {
		got = p
		live, _ = readStat(p.PGID)
		return nil
	}
	if _, err := (Shell{}).Run(t.Context(), task); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(task.TempDir, "pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if got.PGID != pid || got.StartTime == 0 || got.StartTime != live.start || got.Boot == "" {
		t.Fatalf("reported %+v; want group %d with start time %d and a boot id", got, pid, live.start)
	}
}

// TestHelperShellParent is not a test: TestShellEndsWhenMeshflowDies runs
// the test binary as a stand-in for meshflow that runs one shell task.
func TestHelperShellParent(t *testing.T) {
	pidFile := os.Getenv("MESHFLOW_TEST_PIDFILE")
	if pidFile == "" {
		return // run directly, not as TestShellEndsWhenMeshflowDies's child: nothing to do
	}
	task := &Task{Args: map[string]any{"command": "echo $$ > " + pidFile + "; sleep 30"}, Log: os.Stderr, TempDir: t.TempDir()}
	_, _ = Shell{}.Run(context.Background(), task)
}

// When meshflow dies, even by SIGKILL, the kernel signals its task shells.
func TestShellEndsWhenMeshflowDies(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	parent := exec.Command(os.Args[0], "-test.run=^TestHelperShellParent$")
	parent.Env = append(os.Environ(), "MESHFLOW_TEST_PIDFILE="+pidFile)
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	deadline := time.Now().Add(10 * time.Second)
	for pid == 0 {
		if time.Now().After(deadline) {
			_ = parent.Process.Kill()
			t.Fatal("the helper's shell did not start")
		}
		time.Sleep(10 * time.Millisecond)
		data, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	}
	t.Cleanup(func() { _ = syscall.Kill(-pid, syscall.SIGKILL) })
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	waitNotRunning(t, pid, 5*time.Second)
}

// The parent-death signal follows the thread that forked, and the runtime
// ends a thread whenever a goroutine exits while locked to it. Threads
// ending under a running task must not kill it.
func TestShellSurvivesThreadsEnding(t *testing.T) {
	task, _ := newTask(t, map[string]any{"command": "sleep 1"})
	// Reporting the start may wait for the engine; the goroutine then
	// leaves its thread free for others, which may end it.
	task.Started = func(model.Process) error { time.Sleep(200 * time.Millisecond); return nil }
	done := make(chan error, 1)
	go func() {
		_, err := Shell{}.Run(t.Context(), task)
		done <- err
	}()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ended := make(chan struct{})
				go func() { runtime.LockOSThread(); close(ended) }() // exits locked: its thread ends
				<-ended
				time.Sleep(time.Millisecond)
			}
		})
	}
	err := <-done
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("the task died while threads ended around it: %v", err)
	}
}

// The try's command does nothing before Started returns, so the executor
// can record the process durably first; if Started fails, the command
// never runs and the try fails with why. A command of the default shell
// is gated inside that shell, a script or another shell behind a gate of
// its own.
func TestShellWaitsForItsProcessToBeRecorded(t *testing.T) {
	ways := map[string]map[string]any{
		"command": {"command": "touch ran"},
		"script":  {"script": "touch ran\n"},
		"shell":   {"command": "touch ran", "shell": "/bin/bash"},
	}
	for way, with := range ways {
		for _, fail := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, record fails %v", way, fail), func(t *testing.T) { shellWaits(t, with, fail) })
		}
	}
}

func shellWaits(t *testing.T, with map[string]any, fail bool) {
	task, _ := newTask(t, with)
	ran := filepath.Join(task.TempDir, "ran")
	early := false
	task.Started = func(model.Process) error {
		// A gated command cannot run however long this waits.
		for deadline := time.Now().Add(500 * time.Millisecond); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(ran); err == nil {
				early = true
				break
			}
		}
		if fail {
			return errors.New("disk full")
		}
		return nil
	}
	_, err := Shell{}.Run(t.Context(), task)
	if early {
		t.Fatal("the command ran before its process was recorded")
	}
	_, statErr := os.Stat(ran)
	switch {
	case fail && (err == nil || !strings.Contains(err.Error(), "disk full")):
		t.Errorf("err = %v, want the recording's error", err)
	case fail && statErr == nil:
		t.Error("the command ran though its process could not be recorded")
	case !fail && (err != nil || statErr != nil):
		t.Errorf("err = %v, ran: %v; want the command run once released", err, statErr)
	}
}
