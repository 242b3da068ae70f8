package engine

import (
	"slices"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

// A try's processes are told apart by the marks in their environment, so
// the marks must be what attemptEnv gives them.
func TestTryMarksAreInTheAttemptEnvironment(t *testing.T) {
	ar := &activeRun{run: model.Run{ID: 12, DAG: "d", Params: map[string]any{"p": "v"}}}
	env := attemptEnv(ar, "load", 3)
	for _, m := range tryMarks(12, "load", 3) {
		if !slices.Contains(env, m) {
			t.Errorf("mark %q is not in the attempt's environment %v", m, env)
		}
	}
}
