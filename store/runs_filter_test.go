package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// filterRuns records 90 runs, one an hour from 1 Dec 2026 00:00 UTC: DAGs
// etl, etl-backfill and report in turn; every other one of etl's failed;
// triggers schedule, manual and api in turn of three. It returns them by
// id.
func filterRuns(t *testing.T, s *Store) map[int64]model.Run {
	t.Helper()
	dags := []string{"etl", "etl-backfill", "report"}
	triggers := []model.Trigger{model.TriggerSchedule, model.TriggerManual, model.TriggerAPI}
	start := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	out := map[int64]model.Run{}
	for i := range 90 {
		r := newRun(dags[i%3], triggers[(i/3)%3], start.Add(time.Duration(i)*time.Hour))
		if err := s.CreateRun(t.Context(), r, []byte("x"), nil); err != nil {
			t.Fatal(err)
		}
		r.State = model.RunSuccess
		if i%6 == 0 {
			r.State = model.RunFailed
		}
		if err := s.SaveBatch(t.Context(), model.Batch{Runs: []model.Run{*r}}); err != nil {
			t.Fatal(err)
		}
		out[r.ID] = *r
	}
	return out
}

func TestRunsFilter(t *testing.T) {
	s := openTemp(t)
	all := filterRuns(t, s)
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		f    model.RunFilter
		want func(model.Run) bool
	}{
		{"everything", model.RunFilter{}, func(model.Run) bool { return true }},
		{"one DAG, not its namesakes", model.RunFilter{DAG: "etl"}, func(r model.Run) bool { return r.DAG == "etl" }},
		{"several DAGs", model.RunFilter{DAGs: []string{"etl", "report"}}, func(r model.Run) bool { return r.DAG != "etl-backfill" }},
		{"a state", model.RunFilter{States: []model.RunState{model.RunFailed}}, func(r model.Run) bool { return r.State == model.RunFailed }},
		{"a trigger", model.RunFilter{Triggers: []model.Trigger{model.TriggerAPI}}, func(r model.Run) bool { return r.Trigger == model.TriggerAPI }},
		{"from a day", model.RunFilter{From: day(3)}, func(r model.Run) bool { return !r.QueuedAt.Before(day(3)) }},
		{"before a day", model.RunFilter{To: day(2)}, func(r model.Run) bool { return r.QueuedAt.Before(day(2)) }},
		{
			"every filter at once",
			model.RunFilter{DAG: "etl", States: []model.RunState{model.RunSuccess}, Triggers: []model.Trigger{model.TriggerSchedule}, From: day(2), To: day(4)},
			func(r model.Run) bool {
				return r.DAG == "etl" && r.State == model.RunSuccess && r.Trigger == model.TriggerSchedule &&
					!r.QueuedAt.Before(day(2)) && r.QueuedAt.Before(day(4))
			},
		},
		{"nothing matches", model.RunFilter{DAG: "report", States: []model.RunState{model.RunFailed}}, func(model.Run) bool { return false }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []int64
			for id, r := range all {
				if tt.want(r) {
					want = append(want, id)
				}
			}
			if len(want) == 0 && tt.name != "nothing matches" {
				t.Fatal("the runs recorded leave nothing to find: the test proves nothing")
			}
			slices.Sort(want)
			slices.Reverse(want)
			// Pages of 7 must add up to the whole, newest first, with
			// no run twice or left out.
			var got []int64
			f := tt.f
			f.Limit = 7
			for page := 0; ; page++ {
				runs, err := s.Runs(t.Context(), f)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range runs {
					got = append(got, r.ID)
				}
				if len(runs) < f.Limit || page > 20 {
					break
				}
				f.BeforeID = runs[len(runs)-1].ID
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("runs, page by page:\n got %v\nwant %v", got, want)
			}
			n, err := s.CountRuns(t.Context(), tt.f)
			if err != nil || n != len(want) {
				t.Errorf("count = %d, %v; want %d", n, err, len(want))
			}
		})
	}
}

// A tag is the workflow service's to resolve: a store that ignored it
// would list every run as the tag's.
func TestRunsFilterRefusesATag(t *testing.T) {
	s := openTemp(t)
	if _, err := s.Runs(t.Context(), model.RunFilter{Tag: "reports"}); err == nil {
		t.Error("Runs accepted a tag it cannot resolve")
	}
	if _, err := s.CountRuns(t.Context(), model.RunFilter{Tag: "reports"}); err == nil {
		t.Error("CountRuns accepted a tag it cannot resolve")
	}
}
