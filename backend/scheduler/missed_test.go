package scheduler

import (
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/dag"
)

func TestMissed(t *testing.T) {
	daily := mustParse(t, "0 6 * * *", "UTC")
	minutely := mustParse(t, "* * * * *", "UTC")
	every := mustParse(t, "@every 90m", "UTC")
	last := utc("2026-01-10T06:00:00Z")
	now := utc("2026-01-13T12:00:00Z") // three days later
	tests := []struct {
		name   string
		s      Schedule
		last   time.Time
		now    time.Time
		policy dag.CatchupPolicy
		limit  int
		want   []string
	}{
		{"none", daily, last, now, dag.CatchupNone, 0, nil},
		{"empty policy is none", daily, last, now, "", 0, nil},
		{"latest", daily, last, now, dag.CatchupLatest, 0, []string{"2026-01-13T06:00:00Z"}},
		{"all", daily, last, now, dag.CatchupAll, 0, []string{"2026-01-11T06:00:00Z", "2026-01-12T06:00:00Z", "2026-01-13T06:00:00Z"}},
		{"now is included", daily, last, utc("2026-01-12T06:00:00Z"), dag.CatchupAll, 0, []string{"2026-01-11T06:00:00Z", "2026-01-12T06:00:00Z"}},
		{"nothing missed", daily, last, utc("2026-01-11T05:59:59Z"), dag.CatchupAll, 0, nil},
		{"no history", daily, time.Time{}, now, dag.CatchupAll, 0, nil},
		{"limit keeps the most recent", daily, last, now, dag.CatchupAll, 2, []string{"2026-01-12T06:00:00Z", "2026-01-13T06:00:00Z"}},
		{"every: anchored at the last run", every, utc("2026-01-13T08:10:00Z"), now, dag.CatchupAll, 0, []string{"2026-01-13T09:40:00Z", "2026-01-13T11:10:00Z"}},
		{"every: latest", every, utc("2026-01-13T08:10:00Z"), now, dag.CatchupLatest, 0, []string{"2026-01-13T11:10:00Z"}},
		{"every: limit", every, utc("2026-01-10T08:10:00Z"), now, dag.CatchupAll, 1, []string{"2026-01-13T11:10:00Z"}},
		{"minutely latest over a long gap", minutely, utc("2025-01-01T00:00:00Z"), now, dag.CatchupLatest, 0, []string{"2026-01-13T12:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Missed(tt.s, tt.last, tt.now, tt.policy, tt.limit)
			if len(got) != len(tt.want) {
				t.Fatalf("Missed = %v, want %v", got, tt.want)
			}
			for i, w := range tt.want {
				if !got[i].Equal(utc(w)) {
					t.Errorf("time %d = %s, want %s", i, got[i].UTC().Format(time.RFC3339), w)
				}
			}
		})
	}
}

// TestMissedDefaultLimit: a year of a minutely DAG is capped at
// DefaultMissedLimit, the most recent ones, oldest first, contiguous.
func TestMissedDefaultLimit(t *testing.T) {
	s := mustParse(t, "* * * * *", "UTC")
	now := utc("2026-01-13T12:00:00Z")
	got := Missed(s, now.AddDate(-1, 0, 0), now, dag.CatchupAll, 0)
	if len(got) != DefaultMissedLimit {
		t.Fatalf("got %d times, want %d", len(got), DefaultMissedLimit)
	}
	if !got[len(got)-1].Equal(now) {
		t.Errorf("last = %v, want %v", got[len(got)-1], now)
	}
	for i := 1; i < len(got); i++ {
		if d := got[i].Sub(got[i-1]); d != time.Minute {
			t.Fatalf("times %d and %d are %v apart, want 1m", i-1, i, d)
		}
	}
}

// TestNewestMatchesForwardScan checks the doubling window against a plain
// walk from the start, for several schedules and limits.
func TestNewestMatchesForwardScan(t *testing.T) {
	first := utc("2026-03-20T00:00:00Z")
	now := utc("2026-04-02T07:31:00Z")
	for _, spec := range []string{"*/7 * * * *", "30 2 * * *", "0 9 * * 1-5", "0 0 1 * *", "15 */3 * * *"} {
		s := mustParse(t, spec, "Europe/Berlin")
		var all []time.Time
		for at := s.Next(first); !at.After(now); at = s.Next(at) {
			all = append(all, at)
		}
		for _, n := range []int{1, 3, 50, 100000} {
			got := newest(s, all[0], now, n)
			want := all[max(0, len(all)-n):]
			if len(got) != len(want) {
				t.Fatalf("%s n=%d: got %d times, want %d", spec, n, len(got), len(want))
			}
			for i := range want {
				if !got[i].Equal(want[i]) {
					t.Fatalf("%s n=%d: time %d = %v, want %v", spec, n, i, got[i], want[i])
				}
			}
		}
	}
}
