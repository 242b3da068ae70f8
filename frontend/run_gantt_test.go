package frontend

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
)

// The axis is marked at round offsets people read at a glance, a handful
// of them, whatever the run's length.
func TestGanttTicksFallOnRoundValues(t *testing.T) {
	for _, c := range []struct {
		total time.Duration
		want  []string
	}{
		{3 * time.Second, []string{"0", "500 ms", "1 s", "1.5 s", "2 s", "2.5 s", "3 s"}},
		{754 * time.Millisecond, []string{"0", "200 ms", "400 ms", "600 ms"}},
		{2300 * time.Millisecond, []string{"0", "500 ms", "1 s", "1.5 s", "2 s"}},
		{90 * time.Second, []string{"0", "15 s", "30 s", "45 s", "1 min", "1 min 15 s", "1 min 30 s"}},
		{640511 * time.Hour, nil},
	} {
		var got []string
		step := tickStep(c.total)
		for at := time.Duration(0); at <= c.total; at += step {
			got = append(got, tickLabel(at))
		}
		if n := len(got) - 1; n > ganttMaxTicks || n < 1 {
			t.Errorf("%v: %d intervals (%v), want 1 to %d", c.total, n, got, ganttMaxTicks)
		}
		if len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("%v: ticks %v repeat a label", c.total, got)
		}
		if c.want != nil && !slices.Equal(got, c.want) {
			t.Errorf("%v: ticks %v, want %v", c.total, got, c.want)
		}
	}
}

// A task that failed twice and then succeeded draws three bars, two failed
// with the wait before each retry between them, not one sliver at the end.
func TestGanttDrawsEveryTry(t *testing.T) {
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	exit := 1
	d := workflow.RunDetail{
		Run: model.Run{ID: 1, State: model.RunSuccess, StartedAt: at, EndedAt: at.Add(3 * time.Second)},
		Tasks: []model.TaskRun{{
			TaskID: "flaky", State: model.TaskSuccess, Try: 3, MaxTries: 3,
			StartedAt: at.Add(2500 * time.Millisecond), EndedAt: at.Add(3 * time.Second),
		}},
		Tries: []model.Try{
			{TaskID: "flaky", Try: 1, State: model.TaskUpForRetry, StartedAt: at, EndedAt: at.Add(500 * time.Millisecond), ExitCode: &exit},
			{TaskID: "flaky", Try: 2, State: model.TaskUpForRetry, StartedAt: at.Add(1500 * time.Millisecond), EndedAt: at.Add(2 * time.Second), ExitCode: &exit},
			{TaskID: "flaky", Try: 3, State: model.TaskSuccess, StartedAt: at.Add(2500 * time.Millisecond), EndedAt: at.Add(3 * time.Second)},
		},
	}
	g := gantt(d, at.Add(time.Hour))
	row := g.Rows[0]
	var states []string
	for _, b := range row.Bars {
		states = append(states, b.State)
	}
	if !slices.Equal(states, []string{"failed", "failed", "success"}) {
		t.Fatalf("bars %v, want failed, failed, success", states)
	}
	if len(row.Gaps) != 2 {
		t.Fatalf("%d retry gaps, want 2", len(row.Gaps))
	}
	for k, b := range row.Bars {
		if k > 0 && b.X <= row.Bars[k-1].X+row.Bars[k-1].W {
			t.Errorf("try %d at x=%d overlaps the try before it", b.Try, b.X)
		}
	}
	if !strings.Contains(row.Bars[0].Title, "try 1 of 3") || !strings.Contains(row.Bars[0].Title, "exit 1") {
		t.Errorf("first bar's title %q lacks the try and its exit code", row.Bars[0].Title)
	}
	if !strings.Contains(row.Gaps[0].Title, "waited 1.0 s before try 2") {
		t.Errorf("gap title %q", row.Gaps[0].Title)
	}
}

// A queued run has no time axis to draw: the chart says why it waits
// instead of ticks from the year 1 to now.
func TestGanttOfAQueuedRunSaysWhy(t *testing.T) {
	d := workflow.RunDetail{
		Run:     model.Run{ID: 2, State: model.RunQueued},
		Tasks:   []model.TaskRun{{TaskID: "a", State: model.TaskQueued, MaxTries: 1}},
		Waiting: "It waits for run 1 of hello to end: the DAG's max_active_runs is 1.",
	}
	g := gantt(d, time.Now())
	if len(g.Ticks) != 0 || len(g.Rows) != 0 || !strings.Contains(g.Empty, "run 1 of hello") {
		t.Errorf("gantt of a queued run = %+v", g)
	}
}
