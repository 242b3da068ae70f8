package scheduler

import (
	"context"
	"fmt"
)

// Pause stops the scheduled runs of the named DAG until Unpause; its
// schedule keeps advancing meanwhile. The flag is stored even for a DAG the
// scheduler does not know, for the engine and the UI to read.
func (s *Scheduler) Pause(ctx context.Context, name string) error {
	return s.setPaused(ctx, name, true)
}

// Unpause resumes the scheduled runs of the named DAG from now: the
// scheduled times that passed while it was paused are not caught up.
func (s *Scheduler) Unpause(ctx context.Context, name string) error {
	return s.setPaused(ctx, name, false)
}

func (s *Scheduler) setPaused(ctx context.Context, name string, paused bool) error {
	action := "unpause"
	if paused {
		action = "pause"
	}
	s.write.Lock()
	defer s.write.Unlock()
	s.mu.Lock()
	e := s.entries[name]
	var snap entry
	if e != nil {
		snap = *e
	}
	s.mu.Unlock()

	st, known := snap.state, snap.loaded
	if !snap.loaded {
		stored, ok, err := s.store.ScheduleState(ctx, name)
		if err != nil {
			return fmt.Errorf("scheduler: %s %q: %w", action, name, err)
		}
		st, known = stored, ok
	}
	// A DAG never stored is written even when the flag is as asked, so
	// that an unpause before the scheduler first meets a start_paused DAG
	// is not undone by it.
	if st.Paused == paused && known {
		return nil
	}
	st.Paused = paused
	if !paused && e != nil {
		st = fresh(snap.sched, st, s.clock.Now())
	}
	if err := s.store.SaveScheduleState(ctx, name, st); err != nil {
		return fmt.Errorf("scheduler: %s %q: %w", action, name, err)
	}
	if snap.loaded {
		s.mu.Lock()
		e.state = st
		s.mu.Unlock()
	}
	s.notify()
	return nil
}
