package store

import (
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

func TestTaskRunsOfReadsSeveralRunsAtOnce(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	at := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	var ids []int64
	for range 3 {
		r := newRun("hello", model.TriggerManual, at)
		tasks := []model.TaskRun{{TaskID: "b", State: model.TaskQueued, MaxTries: 1}, {TaskID: "a", State: model.TaskQueued, MaxTries: 2}}
		if err := s.CreateRun(ctx, r, []byte("name: hello\n"), tasks); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	code := 3
	done := model.TaskRun{
		RunID: ids[1], TaskID: "a", State: model.TaskFailed, Try: 1, MaxTries: 2, StartedAt: at, EndedAt: at.Add(time.Second),
		ExitCode: &code, Error: "exit 3", Outputs: map[string]string{"k": "v"},
	}
	if err := s.SaveBatch(ctx, model.Batch{Tasks: []model.TaskRun{done}}); err != nil {
		t.Fatal(err)
	}

	got, err := s.TaskRunsOf(ctx, []int64{ids[2], ids[1]})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, tr := range got {
		keys = append(keys, string(rune('0'+tr.RunID))+tr.TaskID)
	}
	if want := []string{"2a", "2b", "3a", "3b"}; len(keys) != 4 || keys[0] != want[0] || keys[1] != want[1] || keys[2] != want[2] || keys[3] != want[3] {
		t.Fatalf("rows = %v, want %v (by run, then task)", keys, want)
	}
	a := got[0]
	if a.State != model.TaskFailed || a.MaxTries != 2 || *a.ExitCode != 3 || a.Outputs["k"] != "v" || !a.EndedAt.Equal(at.Add(time.Second)) {
		t.Errorf("row = %+v", a)
	}
	if none, err := s.TaskRunsOf(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("no runs: %v, %v", none, err)
	}
}
