package workflow_test

import (
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

// A parent run's detail names the run each trigger_dag task started, so
// the run page can link to it; a shell task printing run_id=… is not one.
func TestRunDetailNamesTheRunsItsTriggerTasksStarted(t *testing.T) {
	s := newSystem(t, map[string]string{
		"child.yaml": "name: child\ntasks:\n  - id: a\n    op: noop\n",
		"parent.yaml": `name: parent
tasks:
  - id: kick
    op: trigger_dag
    with: {dag: child, wait: true}
  - id: fake
    op: shell
    with: {command: 'echo run_id=1 >> "$MESHFLOW_OUTPUT"'}
`,
	})
	parent := s.runToEnd(t, "parent", nil)
	if parent.State != model.RunSuccess {
		t.Fatalf("parent = %s (%s), want success", parent.State, parent.Error)
	}
	d, err := s.svc.RunDetail(t.Context(), parent.ID)
	if err != nil {
		t.Fatal(err)
	}
	kid, ok := d.Children["kick"]
	if !ok || kid.DAG != "child" || kid.State != model.RunSuccess || kid.ID == parent.ID {
		t.Fatalf("children = %+v, want kick's run of child, succeeded", d.Children)
	}
	if c, ok := d.Children["fake"]; ok {
		t.Errorf("a shell task's run_id output is taken for a child run: %+v", c)
	}
}
