package scheduler

import (
	"slices"
	"time"

	"github.com/meshflow/meshflow/backend/dag"
)

// DefaultMissedLimit caps the runs Missed returns when the caller gives no
// limit: a year of downtime of a minutely DAG would otherwise queue half a
// million runs.
const DefaultMissedLimit = 1000

// maxLookback bounds the search for the latest scheduled time when nothing
// else does; it matches how far go-cron looks ahead.
const maxLookback = 5 * 365 * 24 * time.Hour

// Missed returns the logical times to run for the scheduled times after
// lastScheduled and up to and including now, as the catch-up policy wants:
//
//   - CatchupNone (or ""): none.
//   - CatchupLatest: the most recent one only.
//   - CatchupAll: all of them, oldest first, but at most limit
//     (DefaultMissedLimit when limit <= 0). When more were missed, the
//     oldest are dropped and the most recent limit are returned.
//
// A zero lastScheduled means the DAG has no history, so it missed nothing.
func Missed(s Schedule, lastScheduled, now time.Time, policy dag.CatchupPolicy, limit int) []time.Time {
	if lastScheduled.IsZero() {
		return nil
	}
	return pending(s, s.Next(lastScheduled), now, policy, limit)
}

// pending is Missed for the scheduled times from first, itself a scheduled
// time, up to now.
func pending(s Schedule, first, now time.Time, policy dag.CatchupPolicy, limit int) []time.Time {
	switch policy {
	case dag.CatchupLatest:
		return newest(s, first, now, 1)
	case dag.CatchupAll:
		if limit <= 0 {
			limit = DefaultMissedLimit
		}
		return newest(s, first, now, limit)
	default:
		return nil
	}
}

// newest returns, oldest first, the n most recent scheduled times from first
// (inclusive; a zero first means "as far back as maxLookback") up to now.
func newest(s Schedule, first, now time.Time, n int) []time.Time {
	if s.cron == nil || n <= 0 || first.After(now) {
		return nil
	}
	if s.every > 0 {
		return newestEvery(s.every, first, now, n)
	}
	// Scan a window ending at now that doubles until it holds n times or
	// reaches first: the cost follows n, not the length of the downtime.
	for span := time.Minute; ; span *= 2 {
		from, inclusive := now.Add(-span), false
		if !first.IsZero() && !from.After(first) {
			from, inclusive = first, true
		}
		ts := scan(s, from, inclusive, now, n)
		if len(ts) == n || inclusive || span > maxLookback {
			return ts
		}
	}
}

// scan returns the last n scheduled times after from (or from on, when
// inclusive) up to now, oldest first.
func scan(s Schedule, from time.Time, inclusive bool, now time.Time, n int) []time.Time {
	t := from
	if !inclusive {
		t = s.Next(from)
	}
	var ring []time.Time
	count := 0
	for ; !t.IsZero() && !t.After(now); t = s.Next(t) {
		if len(ring) < n {
			ring = append(ring, t)
		} else {
			ring[count%n] = t
		}
		count++
	}
	if count <= n {
		return ring
	}
	start := count % n
	return slices.Concat(ring[start:], ring[:start])
}

// newestEvery is newest for @every schedules, whose times are first plus
// whole intervals. With no first there is no anchor, so no time.
func newestEvery(every time.Duration, first, now time.Time, n int) []time.Time {
	if first.IsZero() {
		return nil
	}
	last := int64(now.Sub(first) / every)
	from := max(0, last-int64(n)+1)
	ts := make([]time.Time, 0, last-from+1)
	for i := from; i <= last; i++ {
		ts = append(ts, first.Add(time.Duration(i)*every))
	}
	return ts
}
