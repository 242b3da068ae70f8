package scheduler

import (
	"context"
	"time"
)

// update brings one DAG's state up to date with now and returns the logical
// times to trigger, oldest first. The new state is saved before update
// returns, so a time is on record as scheduled before its run is asked for.
func (s *Scheduler) update(ctx context.Context, e *entry, now time.Time) []time.Time {
	s.write.Lock()
	defer s.write.Unlock()
	s.mu.Lock()
	snap := *e
	s.mu.Unlock()

	name, policy := snap.dag.Name, snap.dag.Catchup
	var (
		st   State
		runs []time.Time
		save = true
	)
	switch {
	case !snap.loaded:
		stored, ok, err := s.store.ScheduleState(ctx, name)
		if err != nil {
			s.logStoreError(ctx, "scheduler: read schedule state", name, err)
			s.mu.Lock()
			e.retryAt = now.Add(loadRetry)
			s.mu.Unlock()
			return nil
		}
		st, runs = resume(snap.sched, stored, ok, now, policy, s.limit)
		if !ok && snap.dag.StartPaused {
			st.Paused, runs = true, nil
		}
		save = !ok || !st.equal(stored)
	case snap.changed:
		st = fresh(snap.sched, snap.state, now)
	default:
		st, runs = catchUp(snap.sched, snap.state, snap.state.NextRunAt, now, policy, s.limit, true)
	}
	if save {
		if err := s.store.SaveScheduleState(ctx, name, st); err != nil {
			// Never run what could not be recorded; after a restart the
			// catch-up policy decides about these times.
			s.logStoreError(ctx, "scheduler: save schedule state", name, err)
			runs = nil
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	e.state, e.loaded, e.retryAt = st, true, time.Time{}
	e.changed = e.gen != snap.gen // Set changed the schedule meanwhile
	return runs
}

// fire asks for the scheduled run of e at the logical time at, unless e was
// removed meanwhile. A failure is logged, not retried: the time is already on
// record as scheduled.
func (s *Scheduler) fire(ctx context.Context, e *entry, at time.Time) {
	s.mu.Lock()
	d, removed := e.dag, e.removed
	s.mu.Unlock()
	if removed {
		return
	}
	if err := s.trigger.TriggerScheduled(ctx, d, at); err != nil {
		s.log.Error("scheduler: trigger scheduled run", keyDAG, d.Name, keyLogicalDate, at, keyErr, err)
	}
}

// logStoreError logs a store failure, unless it only reports the shutdown.
func (s *Scheduler) logStoreError(ctx context.Context, msg, name string, err error) {
	if ctx.Err() != nil {
		return
	}
	s.log.Error(msg, keyDAG, name, keyErr, err)
}
