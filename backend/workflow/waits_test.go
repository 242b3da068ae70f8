package workflow_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
)

const slow = `name: slow
tasks:
  - {id: a, op: shell, with: {command: "sleep 30"}, pool: one}
  - {id: b, op: shell, with: {command: "sleep 30"}, pool: one}
  - {id: c, op: noop, needs: [a]}
`

// A run that does not move says why: a queued run names the run it waits
// for, a queued task its unfinished upstream or its full pool.
func TestRunDetailSaysWhyRunsAndTasksWait(t *testing.T) {
	s := newSystem(t, map[string]string{"slow.yaml": slow})
	first, err := s.svc.Trigger(t.Context(), "slow", nil, model.TriggerCLI)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.svc.Trigger(t.Context(), "slow", nil, model.TriggerCLI)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, id := range []int64{first.ID, second.ID} {
			_ = s.svc.Cancel(t.Context(), id)
		}
	})

	var d1 workflow.RunDetail
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := s.svc.RunDetail(t.Context(), first.ID)
		if err != nil {
			t.Fatal(err)
		}
		d1 = d
		if d.Waits["b"] != "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := d1.Waits["c"]; got != "waits for a to finish" {
		t.Errorf("c waits: %q, want its unfinished upstream named", got)
	}
	if got := d1.Waits["b"]; !strings.Contains(got, "pool one") || !strings.Contains(got, "all 1 are taken") {
		t.Errorf("b waits: %q, want the full pool named", got)
	}

	d2, err := s.svc.RunDetail(t.Context(), second.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := "It waits for run " + strconv.FormatInt(first.ID, 10) + " of slow to end: the DAG's max_active_runs is 1."
	if d2.Run.State != model.RunQueued || d2.Waiting != want {
		t.Errorf("second run %s, waiting %q; want queued and %q", d2.Run.State, d2.Waiting, want)
	}
}
