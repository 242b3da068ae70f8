package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/model"
)

// orphansDAG has two tasks whose first try starts a long child and waits:
// "plain" dies with its shell's default SIGTERM, "stubborn" ignores it.
// Every try first records in dir/log whether an earlier try's processes
// still run, which is what must never happen.
func orphansDAG(dir string) string {
	script := func(trap string) string {
		return fmt.Sprintf(`
        dir=%s
        alive() { [ -r /proc/$1/stat ] && [ "$(sed 's/.*) //' /proc/$1/stat | cut -c1)" != Z ]; }
        for p in $(cat $dir/$MESHFLOW_TASK.pids 2>/dev/null); do
          if alive $p; then echo "overlap: $MESHFLOW_TASK try $MESHFLOW_TRY started while $p ran" >> $dir/log; fi
        done
        echo "start $MESHFLOW_TASK $MESHFLOW_TRY $$" >> $dir/log
        if [ "$MESHFLOW_TRY" != 1 ]; then echo "end $MESHFLOW_TASK $MESHFLOW_TRY $$" >> $dir/log; exit 0; fi
        %s
        sleep 300 &
        echo $$ $! >> $dir/$MESHFLOW_TASK.pids
        wait
`, dir, trap)
	}
	return "name: orphans\ndefaults: {retries: 2, retry_delay: 100ms}\ntasks:\n" +
		"  - id: plain\n    op: shell\n    with:\n      script: |" + script(": nothing to trap") +
		"  - id: stubborn\n    op: shell\n    with:\n      script: |" + script(`trap "" TERM`)
}

// alive reports whether pid runs. A zombie has ended and only waits for its
// parent to reap it; in a container whose init reaps late, kill -0 still
// succeeds on one for a while.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(data), ')')
	return i > 0 && i+2 < len(data) && data[i+2] != 'Z'
}

// readPids returns the pids a task's first try wrote: its shell, then the
// child it started.
func readPids(t *testing.T, path string) []int {
	t.Helper()
	data, _ := os.ReadFile(path)
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("%s: %q", path, data)
		}
		pids = append(pids, pid)
	}
	return pids
}

// After a SIGKILL of serve, the processes of the tries that were running
// must be gone before those tries are retried: the kernel ends the shells
// as serve dies, and the restart ends what outlived them (children, and a
// shell that ignores SIGTERM) before the retry starts.
func TestCrashEndsLeftoverProcessesBeforeTheRetry(t *testing.T) {
	bin := buildMeshflow(t)
	dir, work := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "dags"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dags", "orphans.yaml"), []byte(orphansDAG(work)), 0o600); err != nil {
		t.Fatal(err)
	}
	first := startServer(t, bin, dir)
	if out, err := exec.Command(bin, "dag", "trigger", "orphans", "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("trigger: %v\n%s", err, out)
	}
	plain, stubborn := filepath.Join(work, "plain.pids"), filepath.Join(work, "stubborn.pids")
	waitFor(t, "both tasks to start their children", func() bool {
		return len(readPids(t, plain)) == 2 && len(readPids(t, stubborn)) == 2
	})
	old := append(readPids(t, plain), readPids(t, stubborn)...)
	t.Cleanup(func() {
		for _, pid := range old {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()

	// The kernel told plain's shell that serve died; its child and the
	// stubborn shell live on until the restart.
	waitFor(t, "plain's shell to die with serve", func() bool { return !alive(old[0]) })
	for _, pid := range old[1:] {
		if !alive(pid) {
			t.Fatalf("process %d of a try ended with serve; the restart has nothing left to prove", pid)
		}
	}

	second := startServer(t, bin, dir)
	defer stopServer(t, second)
	client, err := app.DataDir(dir).Remote()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	run, err := client.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	log, _ := os.ReadFile(filepath.Join(work, "log"))
	if run.State != model.RunSuccess {
		t.Fatalf("run after restart = %s (%s)\n%s", run.State, run.Error, log)
	}
	if strings.Contains(string(log), "overlap") {
		t.Fatalf("a retry started while its first try's processes ran:\n%s", log)
	}
	for _, task := range []string{"plain", "stubborn"} {
		for _, want := range []string{"start " + task + " 1 ", "start " + task + " 2 ", "end " + task + " 2 "} {
			if !strings.Contains(string(log), want) {
				t.Errorf("log has no %q:\n%s", want, log)
			}
		}
	}
	for _, pid := range old {
		if alive(pid) {
			t.Errorf("process %d of an interrupted try still runs after the restart", pid)
		}
	}
	checkIntegrity(t, dir)
}
