package engine_test

import (
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

// A task over its timeout is stopped, its try fails saying so, and the
// retry policy applies to it like to any failure.
func TestTimeoutFailsTheTryAndRetries(t *testing.T) {
	r := newRig(t, nil)
	run := r.trigger(t, `
name: slow
tasks:
  - id: sleepy
    op: shell
    timeout: 200ms
    retries: 1
    retry_delay: 1s
    with: {command: "sleep 30"}
`, nil)
	r.clock.WaitForTimers(1) // the retry's delay: the first try timed out
	r.clock.Advance(1e9)
	got := r.wait(t, run.ID)
	row := r.tasks(t, run.ID)["sleepy"]
	if got.State != model.RunFailed || row.State != model.TaskFailed || row.Try != 2 || !strings.Contains(row.Error, "timed out after 200ms") {
		t.Fatalf("run %s, task %+v", got.State, row)
	}
}
