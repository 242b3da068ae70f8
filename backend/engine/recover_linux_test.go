package engine_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/ops"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/store"
)

// leftover is a process group as a meshflow killed mid-try leaves it: a
// shell leading its own group, and a child it started.
type leftover struct {
	proc   model.Process
	child  int
	exited chan struct{} // closed once the shell has exited and been reaped
}

// startLeftover runs script (which prints a child's pid first) as the
// leader of a new process group with env added to its environment.
func startLeftover(t *testing.T, script string, env []string) leftover {
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
	proc, err := ops.ProcessOf(pgid)
	if err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	child, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatal(err)
	}
	l := leftover{proc: proc, child: child, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(l.exited) }()
	return l
}

// runs reports whether pid runs; a zombie has ended.
func runs(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(data), ')')
	return i > 0 && i+2 < len(data) && data[i+2] != 'Z' && data[i+2] != 'X'
}

// crashedRig is a store holding one running run whose only task is in its
// first try, as a meshflow killed during that try leaves it. The engine is
// not started; the task's next try records in checkFile whether any of
// watch still ran when it began.
func crashedRig(t *testing.T, checkFile string) (*rig, model.Run, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meshflow.db")
	st, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &rig{store: st, clock: clock.NewFake(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)), step: newStep(), path: path}
	src := fmt.Sprintf(`
name: leftover
tasks:
  - id: work
    op: shell
    retries: 1
    retry_delay: 0s
    with:
      command: |
        for p in $WATCH; do
          if [ -r /proc/$p/stat ] && [ "$(sed 's/.*) //' /proc/$p/stat | cut -c1)" != Z ]; then echo "running $p" >> %[1]s; fi
        done
        echo "checked try $MESHFLOW_TRY" >> %[1]s
`, checkFile)
	now := r.clock.Now()
	run := model.Run{DAG: "leftover", State: model.RunQueued, Trigger: model.TriggerManual, LogicalDate: now, QueuedAt: now}
	if err := st.CreateRun(t.Context(), &run, []byte(src), []model.TaskRun{{TaskID: "work", State: model.TaskQueued, MaxTries: 2}}); err != nil {
		t.Fatal(err)
	}
	return r, run, src
}

// recordRunning stores run as running with its task in try 1, executing
// proc: the state the journal wrote before meshflow died.
func recordRunning(t *testing.T, r *rig, run model.Run, proc model.Process) {
	t.Helper()
	run.State, run.StartedAt = model.RunRunning, r.clock.Now()
	row := model.TaskRun{RunID: run.ID, TaskID: "work", State: model.TaskRunning, Try: 1, MaxTries: 2, StartedAt: r.clock.Now(), Process: proc}
	if err := r.store.SaveBatch(t.Context(), model.Batch{Runs: []model.Run{run}, Tasks: []model.TaskRun{row}}); err != nil {
		t.Fatal(err)
	}
}

// restartAndCheck starts the engine again and expects the run to succeed
// with its task's check seeing only try: no leftover process still ran
// when that try started.
func restartAndCheck(t *testing.T, r *rig, runID int64, check string, try int) {
	t.Helper()
	r.start(t, nil)
	if got := r.wait(t, runID); got.State != model.RunSuccess {
		t.Fatalf("run = %s (%s), want success", got.State, got.Error)
	}
	want := fmt.Sprintf("checked try %d\n", try)
	if data, _ := os.ReadFile(check); string(data) != want {
		t.Fatalf("try %d saw:\n%s\nwant only %q: the leftover processes still ran when it started", try, data, want)
	}
}

func marks(runID int64) []string {
	return []string{fmt.Sprintf("MESHFLOW_RUN_ID=%d", runID), "MESHFLOW_TASK=work", "MESHFLOW_TRY=1"}
}

// A restart must end what the interrupted try left running, its children
// too, before the retry starts: two copies of a task never run at once.
func TestRecoveryEndsLeftoverProcessesBeforeTheRetry(t *testing.T) {
	check := filepath.Join(t.TempDir(), "check")
	r, run, _ := crashedRig(t, check)
	l := startLeftover(t, "sleep 300 & echo $!; wait", marks(run.ID))
	recordRunning(t, r, run, l.proc)
	t.Setenv("WATCH", fmt.Sprintf("%d %d", l.proc.PGID, l.child))

	restartAndCheck(t, r, run.ID, check, 2)
	select {
	case <-l.exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the leftover shell still runs")
	}
	if runs(l.child) {
		t.Errorf("the leftover's child %d still runs", l.child)
	}
	row := r.tasks(t, run.ID)["work"]
	if row.Try != 2 || !row.Process.IsZero() {
		t.Errorf("task = try %d, process %+v; want try 2 and no process once it ended", row.Try, row.Process)
	}
}

// meshflow may die after a try's process started but before the journal
// committed it: the store shows the task queued, not yet in that try. The
// executor's process file, written before the process could work, must
// still lead the restart to end it before the task runs again.
func TestRecoveryEndsAProcessTheJournalHadNotRecorded(t *testing.T) {
	check := filepath.Join(t.TempDir(), "check")
	r, run, _ := crashedRig(t, check)
	run.State, run.StartedAt = model.RunRunning, r.clock.Now()
	if err := r.store.SaveBatch(t.Context(), model.Batch{Runs: []model.Run{run}}); err != nil {
		t.Fatal(err)
	}
	l := startLeftover(t, "sleep 300 & echo $!; wait", marks(run.ID))
	r.logs = tasklog.Dir(t.TempDir())
	if err := r.logs.WriteProcess(tasklog.Key{DAG: run.DAG, RunID: run.ID, Task: "work", Try: 1}, l.proc); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WATCH", fmt.Sprintf("%d %d", l.proc.PGID, l.child))

	restartAndCheck(t, r, run.ID, check, 1)
	if runs(l.child) {
		t.Errorf("the unrecorded try's child %d still runs", l.child)
	}
}

// If what the try left cannot be identified as its own, nothing is
// signalled and the task fails with the reason instead of being retried
// on top of processes that may be its first copy.
func TestRecoveryFailsATaskWhoseLeftoversCannotBeEnded(t *testing.T) {
	check := filepath.Join(t.TempDir(), "check")
	r, run, _ := crashedRig(t, check)
	// The shell exits at once, leaving its child without the try's marks.
	l := startLeftover(t, "sleep 300 & echo $!", nil)
	<-l.exited
	recordRunning(t, r, run, l.proc)

	r.start(t, nil)
	got := r.wait(t, run.ID)
	row := r.tasks(t, run.ID)["work"]
	if got.State != model.RunFailed || row.State != model.TaskFailed || row.Try != 1 {
		t.Fatalf("run %s, task %s in try %d; want both failed without a retry", got.State, row.State, row.Try)
	}
	for _, want := range []string{"interrupted", fmt.Sprintf("process group %d", l.proc.PGID), "Not retried"} {
		if !strings.Contains(row.Error, want) {
			t.Errorf("task error %q does not say %q", row.Error, want)
		}
	}
	if _, err := os.Stat(check); err == nil {
		t.Error("the task was retried")
	}
	if !runs(l.child) {
		t.Error("a process that could not be identified as the try's was signalled")
	}
}
