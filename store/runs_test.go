package store

import (
	"errors"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

func newRun(dag string, trigger model.Trigger, logical time.Time) *model.Run {
	return &model.Run{
		DAG: dag, State: model.RunQueued, Trigger: trigger, LogicalDate: logical,
		Params: map[string]any{"who": "x", "n": float64(2)}, QueuedAt: logical,
	}
}

func TestRunLifecycleRoundTrip(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	at := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	spec := []byte("name: hello\n")
	r := newRun("hello", model.TriggerManual, at)
	tasks := []model.TaskRun{{TaskID: "a", State: model.TaskQueued, MaxTries: 3}, {TaskID: "b", State: model.TaskQueued, MaxTries: 1}}
	if err := s.CreateRun(ctx, r, spec, tasks); err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 || r.SpecHash != SpecHash(spec) {
		t.Fatalf("run = %+v", r)
	}
	if got, err := s.Spec(ctx, r.SpecHash); err != nil || string(got) != string(spec) {
		t.Fatalf("spec = %q, %v", got, err)
	}

	code := 0
	r.State, r.StartedAt = model.RunRunning, at.Add(time.Second)
	a := model.TaskRun{
		RunID: r.ID, TaskID: "a", State: model.TaskSuccess, Try: 1, MaxTries: 3, StartedAt: at, EndedAt: at.Add(2 * time.Second),
		ExitCode: &code, Outputs: map[string]string{"k": "v"},
	}
	if err := s.SaveBatch(ctx, model.Batch{Runs: []model.Run{*r}, Tasks: []model.TaskRun{a}, Tries: []model.TaskRun{a}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Run(ctx, r.ID)
	if err != nil || got.State != model.RunRunning || !got.StartedAt.Equal(r.StartedAt) || got.Params["who"] != "x" {
		t.Fatalf("run = %+v, %v", got, err)
	}
	rows, err := s.TaskRuns(ctx, r.ID)
	if err != nil || len(rows) != 2 {
		t.Fatalf("tasks = %+v, %v", rows, err)
	}
	for _, row := range rows {
		if row.TaskID == "a" && (row.State != model.TaskSuccess || row.Outputs["k"] != "v" || row.ExitCode == nil || *row.ExitCode != 0 || row.MaxTries != 3) {
			t.Errorf("a = %+v", row)
		}
		if row.TaskID == "b" && (row.State != model.TaskQueued || row.ExitCode != nil || row.Outputs != nil) {
			t.Errorf("b = %+v", row)
		}
	}
	if _, err := s.Run(ctx, r.ID+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing run: %v", err)
	}
}

// The same scheduled time can be recorded once, whatever retries or
// restarts the scheduler goes through; manual runs have no such limit.
func TestScheduledRunIsUnique(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	at := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	if err := s.CreateRun(ctx, newRun("d", model.TriggerSchedule, at), []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRun(ctx, newRun("d", model.TriggerSchedule, at), []byte("x"), nil); !errors.Is(err, model.ErrDuplicateRun) {
		t.Fatalf("second scheduled run: %v, want ErrDuplicateRun", err)
	}
	for range 2 {
		if err := s.CreateRun(ctx, newRun("d", model.TriggerManual, at), []byte("x"), nil); err != nil {
			t.Fatalf("manual run at the same time: %v", err)
		}
	}
}

func TestRunsFilterAndActive(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	at := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	var ids []int64
	for i, st := range []model.RunState{model.RunSuccess, model.RunRunning, model.RunQueued, model.RunFailed} {
		r := newRun([]string{"a", "b"}[i%2], model.TriggerManual, at)
		r.State = st
		if err := s.CreateRun(ctx, r, []byte("x"), nil); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	active, err := s.ActiveRuns(ctx)
	if err != nil || len(active) != 2 || active[0].ID != ids[1] || active[1].ID != ids[2] {
		t.Fatalf("active = %+v, %v; want runs %d, %d oldest first", active, err, ids[1], ids[2])
	}
	runs, err := s.Runs(ctx, model.RunFilter{DAG: "b"})
	if err != nil || len(runs) != 2 || runs[0].ID != ids[3] {
		t.Fatalf("runs of b = %+v, %v", runs, err)
	}
	page, err := s.Runs(ctx, model.RunFilter{BeforeID: ids[3], Limit: 2})
	if err != nil || len(page) != 2 || page[0].ID != ids[2] || page[1].ID != ids[1] {
		t.Fatalf("page = %+v, %v", page, err)
	}
}

func TestDAGStateRoundTrip(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	if _, ok, err := s.DAGState(ctx, "d"); ok || err != nil {
		t.Fatalf("unknown dag: ok=%v err=%v", ok, err)
	}
	want := model.DAGState{Paused: true, NextRunAt: time.UnixMilli(1_800_000_000_000), LastScheduledAt: time.UnixMilli(1_799_999_000_000)}
	if err := s.SaveDAGState(ctx, "d", want); err != nil {
		t.Fatal(err)
	}
	want.Paused = false
	if err := s.SaveDAGState(ctx, "d", want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.DAGState(ctx, "d")
	if err != nil || !ok || got.Paused || !got.NextRunAt.Equal(want.NextRunAt) || !got.LastScheduledAt.Equal(want.LastScheduledAt) {
		t.Fatalf("state = %+v ok=%v err=%v, want %+v", got, ok, err, want)
	}
}

// A running try's process group is what a restart needs to end it: it must
// survive a reopen, and a row whose try ended must no longer name it.
func TestTaskProcessRoundTrip(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	at := time.Date(2026, 5, 1, 6, 0, 0, 0, time.UTC)
	r := newRun("hello", model.TriggerManual, at)
	if err := s.CreateRun(ctx, r, []byte("name: hello\n"), []model.TaskRun{{TaskID: "a", State: model.TaskQueued, MaxTries: 2}}); err != nil {
		t.Fatal(err)
	}
	proc := model.Process{PGID: 4242, StartTime: 987654321, Boot: "0f6e4c1a-boot"}
	running := model.TaskRun{RunID: r.ID, TaskID: "a", State: model.TaskRunning, Try: 1, MaxTries: 2, StartedAt: at, Process: proc}
	if err := s.SaveBatch(ctx, model.Batch{Tasks: []model.TaskRun{running}}); err != nil {
		t.Fatal(err)
	}
	if rows, err := s.TaskRuns(ctx, r.ID); err != nil || len(rows) != 1 || rows[0].Process != proc {
		t.Fatalf("running task = %+v, %v; want process %+v", rows, err, proc)
	}
	ended := running
	ended.State, ended.EndedAt, ended.Process = model.TaskSuccess, at.Add(time.Second), model.Process{}
	if err := s.SaveBatch(ctx, model.Batch{Tasks: []model.TaskRun{ended}}); err != nil {
		t.Fatal(err)
	}
	if rows, err := s.TaskRunsOf(ctx, []int64{r.ID}); err != nil || len(rows) != 1 || !rows[0].Process.IsZero() {
		t.Fatalf("ended task = %+v, %v; want no process", rows, err)
	}
}
