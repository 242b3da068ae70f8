package dag

import (
	"strings"
	"testing"
)

func TestQueueOnAnInProcessOpWarns(t *testing.T) {
	d, err := Load("q.yaml", []byte(`name: q
tasks:
  - {id: remote, op: shell, queue: gpu, with: {command: "true"}}
  - {id: pause, op: wait, queue: gpu, with: {duration: 1s}}
`), newTestCatalog())
	if err != nil {
		t.Fatalf("a queue on an in-process op is a warning, not an error: %v", err)
	}
	if len(d.Warnings) != 1 {
		t.Fatalf("warnings = %v, want one, about task pause", d.Warnings)
	}
	w := d.Warnings[0].Error()
	for _, want := range []string{"q.yaml:4:", `task "pause"`, "op wait runs inside the engine", `queue "gpu" is ignored`, "remove queue"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
}
