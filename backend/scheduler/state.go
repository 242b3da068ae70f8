package scheduler

import (
	"context"
	"time"

	"github.com/meshflow/meshflow/backend/dag"
)

// State is what the scheduler keeps about one DAG across restarts.
type State struct {
	// Paused stops scheduled runs. The schedule keeps advancing while paused,
	// so unpausing never replays the paused time.
	Paused bool
	// NextRunAt is the next scheduled time; zero when there is none.
	NextRunAt time.Time
	// LastScheduledAt is the latest scheduled time that has been dealt with:
	// triggered, or passed over because the DAG was paused, because its
	// catch-up policy said so, or because it came before the DAG or its
	// current schedule existed. Catch-up after a restart starts after it.
	// Zero when there is none. It is not the last run: read that from the
	// runs.
	LastScheduledAt time.Time
}

func (a State) equal(b State) bool {
	return a.Paused == b.Paused && a.NextRunAt.Equal(b.NextRunAt) && a.LastScheduledAt.Equal(b.LastScheduledAt)
}

// Store keeps a State per DAG name. The scheduler makes short calls and never
// holds a call open while it triggers a run.
type Store interface {
	// ScheduleState returns the saved state of the DAG, or the zero State and
	// false when nothing was ever saved for it.
	ScheduleState(ctx context.Context, dagName string) (State, bool, error)
	// SaveScheduleState replaces the saved state of the DAG.
	SaveScheduleState(ctx context.Context, dagName string, st State) error
}

// Trigger starts scheduled runs. The scheduler asks once per scheduled time;
// what overlap and max_active_runs make of the request is the engine's call.
type Trigger interface {
	TriggerScheduled(ctx context.Context, d *dag.DAG, logicalDate time.Time) error
}

// resume works out the state of a DAG the first time this process meets it,
// from what was stored: the scheduled times missed since LastScheduledAt are
// run as the catch-up policy says.
func resume(s Schedule, stored State, ok bool, now time.Time, policy dag.CatchupPolicy, limit int) (State, []time.Time) {
	if !ok {
		return fresh(s, stored, now), nil
	}
	first := stored.NextRunAt
	if !stored.LastScheduledAt.IsZero() {
		// Counted from LastScheduledAt rather than taken from NextRunAt, so
		// that a schedule edited while meshflow was closed is honoured.
		first = s.Next(stored.LastScheduledAt)
	}
	if first.IsZero() {
		return fresh(s, stored, now), nil
	}
	return catchUp(s, stored, first, now, policy, limit, false)
}

// catchUp passes every scheduled time from first up to now and returns the
// ones to run. A live loop that finds just one due time runs it, whatever the
// policy: it is late by moments, not by downtime. Finding more means the
// process was suspended or the clock jumped, which is downtime too.
func catchUp(s Schedule, st State, first, now time.Time, policy dag.CatchupPolicy, limit int, live bool) (State, []time.Time) {
	if first.IsZero() || first.After(now) {
		st.NextRunAt = first
		return st, nil
	}
	p, next := first, s.Next(first)
	if !next.IsZero() && !next.After(now) {
		p = newest(s, next, now, 1)[0]
		next = s.Next(p)
		live = false
	}
	runs := []time.Time{p}
	if !live {
		runs = pending(s, first, now, policy, limit)
	}
	st.LastScheduledAt, st.NextRunAt = p, next
	if st.Paused {
		runs = nil
	}
	return st, runs
}

// fresh starts the schedule from now, owing nothing for the time before it:
// for a new DAG, a changed schedule and an unpaused DAG.
func fresh(s Schedule, st State, now time.Time) State {
	st.LastScheduledAt = time.Time{}
	if latest := newest(s, time.Time{}, now, 1); len(latest) == 1 {
		st.LastScheduledAt = latest[0]
	}
	st.NextRunAt = s.Next(now)
	return st
}
