package scheduler

import (
	"errors"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
)

func TestFiresOnSchedule(t *testing.T) {
	winter := utc("2026-01-10T05:00:00Z")
	tests := []struct {
		name, spec, tz string
		start          time.Time
		want           []string
	}{
		{"five fields", "*/30 * * * *", "UTC", winter, []string{"2026-01-10T05:30:00Z", "2026-01-10T06:00:00Z"}},
		{"seconds", "*/20 * * * * *", "UTC", winter, []string{"2026-01-10T05:00:20Z", "2026-01-10T05:00:40Z"}},
		{"@daily", "@daily", "UTC", winter, []string{"2026-01-11T00:00:00Z", "2026-01-12T00:00:00Z"}},
		{"@hourly", "@hourly", "UTC", winter, []string{"2026-01-10T06:00:00Z", "2026-01-10T07:00:00Z"}},
		{"@every 5m", "@every 5m", "UTC", winter, []string{"2026-01-10T05:05:00Z", "2026-01-10T05:10:00Z"}},
		{"New York winter", "0 6 * * *", "America/New_York", winter, []string{"2026-01-10T11:00:00Z", "2026-01-11T11:00:00Z"}},
		{"New York summer", "0 6 * * *", "America/New_York", utc("2026-07-10T05:00:00Z"), []string{"2026-07-10T10:00:00Z", "2026-07-11T10:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			h := start(t, clock.NewFake(tt.start), rec, daily("d", tt.spec, tt.tz, ""))
			var want []string
			for _, w := range tt.want {
				if next, ok := h.s.Next("d"); !ok || !next.Equal(utc(w)) {
					t.Fatalf("Next = %v, %v; want %s", next, ok, w)
				}
				h.advanceTo(utc(w))
				want = append(want, "d@"+w)
				rec.waitFor(t, "the run at "+w, func(r *recorder) bool { return len(r.fires) == len(want) })
			}
			rec.wantFires(t, want...)
		})
	}
}

// TestDST walks a daily 02:30 Europe/Berlin DAG through both 2026 changes,
// jumping from one next run to the next as a real clock would.
func TestDST(t *testing.T) {
	tests := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		// 2026-03-29: 02:00 CET → 03:00 CEST, 02:30 does not exist.
		{
			"spring forward", utc("2026-03-27T12:00:00Z"), utc("2026-03-30T12:00:00Z"),
			[]string{"2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"},
		},
		// 2026-10-25: 03:00 CEST → 02:00 CET, 02:30 happens twice.
		{
			"fall back", utc("2026-10-23T12:00:00Z"), utc("2026-10-26T12:00:00Z"),
			[]string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := newRecorder()
			h := start(t, clock.NewFake(tt.from), rec, daily("d", "30 2 * * *", "Europe/Berlin", dag.CatchupAll))
			for {
				next, ok := h.s.Next("d")
				if !ok || next.After(tt.to) {
					break
				}
				h.advanceTo(next)
				rec.waitSaved(t, "d", next)
			}
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				want[i] = "d@" + w
			}
			rec.wantFires(t, want...)
		})
	}
}

// TestCatchUpAfterDowntime stops a daily DAG for three days and restarts it
// under each policy.
func TestCatchUpAfterDowntime(t *testing.T) {
	tests := []struct {
		policy dag.CatchupPolicy
		want   []string // runs on restart
	}{
		{"", nil},
		{dag.CatchupNone, nil},
		{dag.CatchupLatest, []string{"d@2026-01-13T06:00:00Z"}},
		{dag.CatchupAll, []string{"d@2026-01-11T06:00:00Z", "d@2026-01-12T06:00:00Z", "d@2026-01-13T06:00:00Z"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
			d := daily("d", "0 6 * * *", "UTC", tt.policy)
			h := start(t, fc, rec, d)
			h.advanceTo(utc("2026-01-10T06:00:00Z"))
			rec.waitSaved(t, "d", utc("2026-01-10T06:00:00Z"))
			h.stop()

			fc.Set(utc("2026-01-13T12:00:00Z"))
			h = start(t, fc, rec, d)
			rec.wantFires(t, append([]string{"d@2026-01-10T06:00:00Z"}, tt.want...)...)
			st := rec.state("d")
			if want := utc("2026-01-13T06:00:00Z"); !st.LastScheduledAt.Equal(want) {
				t.Errorf("LastScheduledAt = %v, want %v", st.LastScheduledAt, want)
			}
			if next, _ := h.s.Next("d"); !next.Equal(utc("2026-01-14T06:00:00Z")) || !st.NextRunAt.Equal(next) {
				t.Errorf("Next = %v, stored %v; want 2026-01-14T06:00:00Z", next, st.NextRunAt)
			}
		})
	}
}

// TestSuspendedWhileRunning: a clock jump over several scheduled times is
// downtime too and follows the policy.
func TestSuspendedWhileRunning(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	h := start(t, fc, rec, daily("d", "0 6 * * *", "UTC", dag.CatchupLatest))
	h.advanceTo(utc("2026-01-13T12:00:00Z"))
	rec.waitSaved(t, "d", utc("2026-01-13T06:00:00Z"))
	rec.wantFires(t, "d@2026-01-13T06:00:00Z")
}

func TestPause(t *testing.T) {
	ctx := t.Context()
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	h := start(t, fc, rec, daily("d", "0 6 * * *", "UTC", dag.CatchupAll))
	if err := h.s.Pause(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if !rec.state("d").Paused {
		t.Fatal("Pause did not store the flag")
	}
	for _, day := range []string{"2026-01-10T06:00:00Z", "2026-01-11T06:00:00Z"} {
		h.advanceTo(utc(day))
		rec.waitSaved(t, "d", utc(day)) // passed over, not triggered
	}
	if next, _ := h.s.Next("d"); !next.Equal(utc("2026-01-12T06:00:00Z")) {
		t.Errorf("Next while paused = %v, want it to keep advancing", next)
	}

	// Down for three days while paused, with catch-up all: nothing on restart.
	h.stop()
	fc.Set(utc("2026-01-14T12:00:00Z"))
	h = start(t, fc, rec, daily("d", "0 6 * * *", "UTC", dag.CatchupAll))
	if err := h.s.Unpause(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	st := rec.state("d")
	if st.Paused || !st.NextRunAt.Equal(utc("2026-01-15T06:00:00Z")) {
		t.Fatalf("after Unpause, stored %+v; want unpaused with next 2026-01-15T06:00", st)
	}
	h.advanceTo(utc("2026-01-15T06:00:00Z"))
	rec.waitFor(t, "the first run after unpause", func(r *recorder) bool { return len(r.fires) == 1 })
	rec.wantFires(t, "d@2026-01-15T06:00:00Z")

	// A restart right after must not catch up the paused days either.
	h.stop()
	start(t, fc, rec, daily("d", "0 6 * * *", "UTC", dag.CatchupAll))
	rec.wantFires(t, "d@2026-01-15T06:00:00Z")
}

// A starter DAG that needs setting up first is stored paused when the
// scheduler first meets it, fires nothing until unpaused, and a pause the
// user lifted stays lifted across restarts.
func TestStartPaused(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	d := daily("d", "0 6 * * *", "UTC", dag.CatchupAll)
	d.StartPaused = true
	h := start(t, fc, rec, d)
	rec.waitFor(t, "the DAG stored paused", func(r *recorder) bool { return r.states["d"].Paused })
	h.advanceTo(utc("2026-01-10T06:00:00Z"))
	rec.waitSaved(t, "d", utc("2026-01-10T06:00:00Z")) // passed over, not triggered
	rec.wantFires(t)

	if err := h.s.Unpause(t.Context(), "d"); err != nil {
		t.Fatal(err)
	}
	h.stop()
	h = start(t, fc, rec, d)
	h.advanceTo(utc("2026-01-11T06:00:00Z"))
	rec.waitFor(t, "the first run after unpause", func(r *recorder) bool { return len(r.fires) == 1 })
	rec.wantFires(t, "d@2026-01-11T06:00:00Z")
}

// An unpause asked before the scheduler ever met a start_paused DAG (the
// CLI on a data dir no server has run) is the user's word, and stands.
func TestUnpauseBeforeStartPausedIsKept(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	if err := New(fc, rec, rec, nil).Unpause(t.Context(), "d"); err != nil {
		t.Fatal(err)
	}
	d := daily("d", "0 6 * * *", "UTC", dag.CatchupAll)
	d.StartPaused = true
	h := start(t, fc, rec, d)
	h.advanceTo(utc("2026-01-10T06:00:00Z"))
	rec.waitFor(t, "the 06:00 run", func(r *recorder) bool { return len(r.fires) == 1 })
	rec.wantFires(t, "d@2026-01-10T06:00:00Z")
}

func TestUnpauseBeforeRestartNoCatchUp(t *testing.T) {
	ctx := t.Context()
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	h := start(t, fc, rec, daily("d", "0 6 * * *", "UTC", dag.CatchupAll))
	if err := h.s.Pause(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	h.stop()
	fc.Set(utc("2026-01-13T12:00:00Z")) // paused and closed over three runs
	h = start(t, fc, rec)               // the DAG is not scheduled yet
	if err := h.s.Pause(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	h.s.Set([]*dag.DAG{daily("d", "0 6 * * *", "UTC", dag.CatchupAll)})
	rec.waitSaved(t, "d", utc("2026-01-13T06:00:00Z"))
	if err := h.s.Unpause(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	rec.wantFires(t)
}

func TestPauseUnknownDAGStoresFlag(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	s := New(fc, rec, rec, nil)
	if err := s.Pause(t.Context(), "manual-only"); err != nil {
		t.Fatal(err)
	}
	if st := rec.state("manual-only"); !st.Paused || !st.NextRunAt.IsZero() {
		t.Fatalf("stored %+v, want paused with no next run", st)
	}
	if err := s.Unpause(t.Context(), "manual-only"); err != nil {
		t.Fatal(err)
	}
	if rec.state("manual-only").Paused {
		t.Fatal("Unpause did not clear the flag")
	}
}

func TestSetChangedSchedule(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:30:00Z")), newRecorder()
	h := start(t, fc, rec, daily("d", "0 * * * *", "UTC", dag.CatchupAll))
	if next, _ := h.s.Next("d"); !next.Equal(utc("2026-01-10T06:00:00Z")) {
		t.Fatalf("Next = %v, want 06:00", next)
	}
	h.s.Set([]*dag.DAG{daily("d", "30 7 * * *", "UTC", dag.CatchupAll)})
	if next, _ := h.s.Next("d"); !next.Equal(utc("2026-01-10T07:30:00Z")) {
		t.Fatalf("Next right after Set = %v, want 07:30", next)
	}
	rec.waitFor(t, "the new next run saved", func(r *recorder) bool {
		return r.states["d"].NextRunAt.Equal(utc("2026-01-10T07:30:00Z"))
	})
	h.advanceTo(utc("2026-01-10T06:00:00Z"))
	h.advanceTo(utc("2026-01-10T07:30:00Z"))
	rec.waitFor(t, "the 07:30 run", func(r *recorder) bool { return len(r.fires) == 1 })
	rec.wantFires(t, "d@2026-01-10T07:30:00Z")

	// A crash now must not catch up the hours of the old schedule.
	h.stop()
	fc.Set(utc("2026-01-10T07:45:00Z"))
	start(t, fc, rec, daily("d", "30 7 * * *", "UTC", dag.CatchupAll))
	rec.wantFires(t, "d@2026-01-10T07:30:00Z")
}

func TestSetAddsRemovesAndIgnores(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	a := daily("a", "0 6 * * *", "UTC", "")
	h := start(t, fc, rec, a)

	// Adding a DAG due before the armed timer wakes the loop.
	m := daily("m", "* * * * *", "UTC", "")
	manual := &dag.DAG{Name: "manual"}
	h.s.Set([]*dag.DAG{a, m, manual})
	rec.waitFor(t, "m loaded", func(r *recorder) bool { _, ok := r.states["m"]; return ok })
	h.advanceTo(utc("2026-01-10T05:01:00Z"))
	rec.waitFor(t, "m's first run", func(r *recorder) bool { return len(r.fires) == 1 })
	rec.wantFires(t, "m@2026-01-10T05:01:00Z")
	if _, ok := h.s.Next("manual"); ok {
		t.Error("a DAG without a schedule has a next run")
	}

	// A broken schedule keeps the previous one.
	h.s.Set([]*dag.DAG{a, daily("m", "61 * * * *", "UTC", "")})
	if next, ok := h.s.Next("m"); !ok || !next.Equal(utc("2026-01-10T05:02:00Z")) {
		t.Errorf("Next after a broken edit = %v, %v; want the old schedule's 05:02", next, ok)
	}

	// Removing m stops it.
	h.s.Set([]*dag.DAG{a})
	if _, ok := h.s.Next("m"); ok {
		t.Error("a removed DAG still has a next run")
	}
	h.advanceTo(utc("2026-01-10T06:00:00Z"))
	rec.waitFor(t, "a's run", func(r *recorder) bool { return len(r.fires) == 2 })
	rec.wantFires(t, "m@2026-01-10T05:01:00Z", "a@2026-01-10T06:00:00Z")
}

// TestFailedTriggerNotRepeated: the time is on record before the trigger is
// asked, so a failed trigger and a restart do not fire it twice.
func TestFailedTriggerNotRepeated(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	rec.failFires = 1
	d := daily("d", "0 6 * * *", "UTC", dag.CatchupAll)
	h := start(t, fc, rec, d)
	h.advanceTo(utc("2026-01-10T06:00:00Z"))
	rec.waitFor(t, "the failed trigger", func(r *recorder) bool { return len(r.fires) == 1 })
	h.stop()

	fc.Set(utc("2026-01-10T06:30:00Z"))
	start(t, fc, rec, d)
	rec.wantFires(t, "d@2026-01-10T06:00:00Z")
}

// TestSaveFailureSkipsRun: a time that could not be recorded is not run.
func TestSaveFailureSkipsRun(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	h := start(t, fc, rec, daily("d", "0 6 * * *", "UTC", dag.CatchupAll))
	rec.mu.Lock()
	rec.saveErr = errors.New("disk full")
	rec.mu.Unlock()
	h.advanceTo(utc("2026-01-10T06:00:00Z"))
	if next, _ := h.s.Next("d"); !next.Equal(utc("2026-01-11T06:00:00Z")) {
		t.Errorf("Next = %v, want the loop to move on to the 11th", next)
	}
	rec.wantFires(t)
}

func TestRestartPicksUpNextRun(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	d := daily("d", "@every 5m", "UTC", dag.CatchupAll)
	h := start(t, fc, rec, d)
	h.advanceTo(utc("2026-01-10T05:05:00Z"))
	rec.waitSaved(t, "d", utc("2026-01-10T05:05:00Z"))
	h.stop()

	fc.Set(utc("2026-01-10T05:07:00Z"))
	rec.mu.Lock()
	saves := len(rec.saves)
	rec.mu.Unlock()
	h = start(t, fc, rec, d)
	if next, _ := h.s.Next("d"); !next.Equal(utc("2026-01-10T05:10:00Z")) {
		t.Fatalf("Next after restart = %v, want the stored 05:10, not now+5m", next)
	}
	rec.mu.Lock()
	if len(rec.saves) != saves {
		t.Errorf("restart with nothing missed saved %d times, want 0", len(rec.saves)-saves)
	}
	rec.mu.Unlock()
	h.advanceTo(utc("2026-01-10T05:10:00Z"))
	rec.waitFor(t, "the 05:10 run", func(r *recorder) bool { return len(r.fires) == 2 })
	rec.wantFires(t, "d@2026-01-10T05:05:00Z", "d@2026-01-10T05:10:00Z")
}

func TestRunTwice(t *testing.T) {
	fc, rec := clock.NewFake(utc("2026-01-10T05:00:00Z")), newRecorder()
	h := start(t, fc, rec, daily("d", "0 6 * * *", "UTC", ""))
	if err := h.s.Run(t.Context()); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Run = %v, want ErrRunning", err)
	}
}
