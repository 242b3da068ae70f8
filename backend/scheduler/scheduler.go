// Package scheduler owns when DAGs run on their own: it parses cron
// schedules, keeps each DAG's next_run_at and last scheduled time in a store,
// applies the catch-up policy after downtime and asks the engine to start
// scheduled runs.
package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
)

// ErrRunning is returned by Run when the scheduler is already running.
var ErrRunning = errors.New("scheduler: already running")

// Log keys.
const (
	keyDAG         = "dag"
	keyLogicalDate = "logical_date"
	keyErr         = "err"
)

// maxWait caps the loop's timer. Go's timers run on the monotonic clock,
// which stops while the machine sleeps (golang/go#35012): a laptop that
// wakes at 08:00 would otherwise start its 06:00 run only once the hours it
// slept have elapsed again. Waking now and then to compare the wall clock
// with the next run costs a scan of the DAGs in memory, no store call.
const maxWait = time.Minute

// loadRetry is how long the loop waits before reading a DAG's state again
// after the store failed to answer.
const loadRetry = 10 * time.Second

// Scheduler fires the scheduled runs of a set of DAGs. Its loop sleeps on
// one timer, armed for the earliest next run (at most maxWait ahead); Set,
// Pause and Unpause wake it through a channel. It is safe for concurrent
// use.
type Scheduler struct {
	clock   clock.Clock
	store   Store
	trigger Trigger
	log     *slog.Logger
	limit   int // cap on the runs of one catch-up (CatchupAll)

	wake    chan struct{} // capacity 1: a pending wake-up is never lost, never piles up
	running atomic.Bool

	// write serialises every read-modify-write of a DAG's stored state, the
	// loop's and Pause's, so that neither overwrites the other. It is taken
	// before mu and never held while a run is triggered.
	write   sync.Mutex
	mu      sync.Mutex
	entries map[string]*entry // scheduled DAGs by name; guarded by mu
	byName  []*entry          // the same, sorted by name for a stable firing order; guarded by mu
}

// entry is one scheduled DAG. Set updates it in place, so the loop's pointer
// stays valid across a reload of the dags folder.
type entry struct {
	dag     *dag.DAG
	sched   Schedule
	spec    string
	tz      string
	gen     int       // bumped when Set changes the schedule
	loaded  bool      // state read from the store and brought up to date
	changed bool      // schedule changed since it was loaded
	removed bool      // no longer in the set; a run being fired is dropped
	retryAt time.Time // when to read the store again after a failure
	state   State
}

// New returns a scheduler with no DAGs; call Set, then Run. A nil logger
// discards.
func New(clk clock.Clock, store Store, trigger Trigger, logger *slog.Logger) *Scheduler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{
		clock:   clk,
		store:   store,
		trigger: trigger,
		log:     logger,
		limit:   DefaultMissedLimit,
		wake:    make(chan struct{}, 1),
		entries: make(map[string]*entry),
	}
}

// Set replaces the set of DAGs, at start and whenever the dags folder
// changes. DAGs without a schedule are ignored; a changed schedule starts
// again from now; a DAG left out stops. A DAG whose schedule does not parse
// is logged and keeps its previous schedule, if it had one. The DAGs must not
// be modified afterwards.
func (s *Scheduler) Set(dags []*dag.DAG) {
	s.mu.Lock()
	keep := make(map[string]bool, len(dags))
	for _, d := range dags {
		if d == nil || strings.TrimSpace(d.Schedule) == "" {
			continue
		}
		if s.setOne(d) {
			keep[d.Name] = true
		}
	}
	s.byName = s.byName[:0]
	for name, e := range s.entries {
		if !keep[name] {
			e.removed = true
			delete(s.entries, name)
			continue
		}
		s.byName = append(s.byName, e)
	}
	slices.SortFunc(s.byName, func(a, b *entry) int { return strings.Compare(a.dag.Name, b.dag.Name) })
	s.mu.Unlock()
	s.notify()
}

// setOne adds or updates the entry of d and reports whether d is scheduled.
// s.mu is held.
func (s *Scheduler) setOne(d *dag.DAG) bool {
	e, ok := s.entries[d.Name]
	sched, err := Parse(d.Schedule, d.Timezone)
	if err != nil {
		s.log.Error("scheduler: DAG keeps its previous schedule", keyDAG, d.Name, keyErr, err)
		return ok
	}
	if !ok {
		s.entries[d.Name] = &entry{dag: d, sched: sched, spec: d.Schedule, tz: d.Timezone}
		return true
	}
	e.dag = d
	if e.spec != d.Schedule || e.tz != d.Timezone {
		e.sched, e.spec, e.tz = sched, d.Schedule, d.Timezone
		e.gen++
		e.changed = e.loaded
	}
	return true
}

// Next returns the next scheduled time of the named DAG, and false when it
// has no schedule. The time advances while the DAG is paused.
func (s *Scheduler) Next(name string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[name]
	if !ok {
		return time.Time{}, false
	}
	next := e.state.NextRunAt
	if !e.loaded || e.changed {
		// The loop has yet to read or recompute the state; until it has,
		// the next time from now is the best answer.
		next = e.sched.Next(s.clock.Now())
	}
	return next, !next.IsZero()
}

func (s *Scheduler) notify() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run fires scheduled runs until ctx is cancelled, then returns nil. A
// scheduled time is recorded in the store before its run is asked for, so a
// crash or a failed trigger can lose a run but never start one twice.
func (s *Scheduler) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer s.running.Store(false)
	var timer clock.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		at := s.step(ctx)
		wait := min(at.Sub(s.clock.Now()), maxWait)
		var due <-chan time.Time
		switch {
		case !at.IsZero() && timer == nil:
			timer = s.clock.NewTimer(wait)
			due = timer.C()
		case !at.IsZero():
			timer.Reset(wait)
			due = timer.C()
		case timer != nil:
			timer.Stop()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-due:
		case <-s.wake:
		}
	}
}

// step brings every DAG up to date with the clock and fires what is due. It
// returns when to look again; zero when no DAG has a next run.
func (s *Scheduler) step(ctx context.Context) time.Time {
	now := s.clock.Now()
	for _, e := range s.work(now) {
		if ctx.Err() != nil {
			break
		}
		for _, at := range s.update(ctx, e, now) {
			s.fire(ctx, e, at)
		}
	}
	return s.wakeAt(now)
}

// work returns the entries that need the loop at now, earliest first, in
// name order among equals.
func (s *Scheduler) work(now time.Time) []*entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*entry
	for _, e := range s.byName {
		if e.needs(now) {
			due = append(due, e)
		}
	}
	byNext := func(a, b *entry) int { return a.state.NextRunAt.Compare(b.state.NextRunAt) }
	if !slices.IsSortedFunc(due, byNext) { // usually they share one minute
		slices.SortStableFunc(due, byNext)
	}
	return due
}

// needs reports whether the loop has something to do for e at now. s.mu is
// held.
func (e *entry) needs(now time.Time) bool {
	switch {
	case !e.loaded:
		return !e.retryAt.After(now)
	case e.changed:
		return true
	default:
		return !e.state.NextRunAt.IsZero() && !e.state.NextRunAt.After(now)
	}
}

// wakeAt returns the earliest time an entry will need the loop, or zero.
func (s *Scheduler) wakeAt(now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var at time.Time
	for _, e := range s.entries {
		t := e.state.NextRunAt
		switch {
		case e.changed, !e.loaded && e.retryAt.IsZero():
			t = now // changed or added by Set while the loop was busy
		case !e.loaded:
			t = e.retryAt
		}
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	return at
}
