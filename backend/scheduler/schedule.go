package scheduler

import (
	"fmt"
	"strings"
	"time"

	cron "github.com/netresearch/go-cron"
)

// parseOptions accept five cron fields with an optional leading seconds
// field, and descriptors such as @daily and @every 5m. DowOrDom keeps the
// classic crontab rule that a day-of-month and a day-of-week restriction
// match either way ("0 0 13 * FRI" is every 13th and every Friday); without
// it go-cron requires both, which surprises anyone pasting a crontab line.
const parseOptions = cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom |
	cron.Month | cron.Dow | cron.Descriptor | cron.DowOrDom

// allHours is the hour bit set of a schedule that runs in every hour.
const allHours = 1<<24 - 1

// Schedule is a parsed cron schedule read in one time zone. The zero
// Schedule never fires.
type Schedule struct {
	cron cron.Schedule
	loc  *time.Location
	// every is the interval of an @every schedule. Its times are anchored at
	// the first run, not at the wall clock.
	every time.Duration
	// onceInRepeatedHour is set for schedules bound to certain hours: when
	// the clocks go back, the repeated hour does not run them a second time.
	onceInRepeatedHour bool
	// secondZero is set for schedules that run at second 0 only, the
	// five-field ones and the descriptors.
	secondZero bool
}

// Parse reads spec — five cron fields (minute hour day-of-month month
// day-of-week), six with leading seconds, or a descriptor such as @daily,
// @hourly or @every 5m — in the IANA time zone tz ("" is the machine's
// local zone).
func Parse(spec, tz string) (Schedule, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Schedule{}, fmt.Errorf("scheduler: empty schedule: write five cron fields such as \"0 6 * * *\" or a descriptor such as @daily")
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return Schedule{}, fmt.Errorf("scheduler: schedule %q: set the time zone in the DAG's timezone field, not in the expression", spec)
	}
	loc, err := location(tz)
	if err != nil {
		return Schedule{}, err
	}
	p, err := cron.TryNewParser(parseOptions)
	if err != nil {
		return Schedule{}, fmt.Errorf("scheduler: cron parser: %w", err)
	}
	parsed, err := p.Parse(spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("scheduler: schedule %q: %w", spec, err)
	}
	s := Schedule{cron: parsed, loc: loc}
	switch c := parsed.(type) {
	case *cron.SpecSchedule:
		in := *c // the zone comes from the DAG's timezone field
		in.Location = loc
		s.cron = &in
		s.onceInRepeatedHour = c.Hour&allHours != allHours
		s.secondZero = c.Second == 1
	case cron.ConstantDelaySchedule:
		s.every = c.Delay
	}
	return s, nil
}

func location(tz string) (*time.Location, error) {
	if tz == "" {
		return time.Local, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("scheduler: unknown time zone %q (use an IANA name such as Europe/Berlin, or leave it empty for the local zone): %w", tz, err)
	}
	return loc, nil
}

// Next returns the first scheduled time after the given time, in the
// schedule's time zone, or the zero time when there is none (the zero
// Schedule, @manual, or nothing within five years).
//
// Across daylight-saving changes: a time that the spring-forward skips runs
// right after the gap (02:30 on the night clocks jump from 02:00 to 03:00
// runs at 03:30), and a time that the fall-back repeats runs once, in its
// first pass. Schedules that run every hour keep running every real hour.
func (s Schedule) Next(after time.Time) time.Time {
	if s.cron == nil {
		return time.Time{}
	}
	t := s.next(after.In(s.loc))
	for s.onceInRepeatedHour && !t.IsZero() && repeated(t) {
		t = s.next(t)
	}
	return t
}

// next is go-cron's Next, which steps through the seconds one at a time. A
// schedule that runs at second 0 only has nothing to find before the last
// second of the minute, so starting there gives the same answer without the
// walk: about twice as fast for a minutely schedule.
func (s Schedule) next(t time.Time) time.Time {
	if _, off := t.Zone(); s.secondZero && off%60 == 0 {
		t = t.Truncate(time.Minute).Add(59 * time.Second)
	}
	return s.cron.Next(t)
}

// repeated reports whether t's wall-clock reading already happened earlier,
// that is, whether t lies in the second pass of an hour the clocks went back
// over.
func repeated(t time.Time) bool {
	_, off := t.Zone()
	// Zone shifts are at most a few hours, so three hours back is before any
	// shift whose repeated span can contain t.
	_, before := t.Add(-3 * time.Hour).Zone()
	shift := time.Duration(before-off) * time.Second
	if shift <= 0 {
		return false
	}
	return sameWallClock(t.Add(-shift), t)
}

func sameWallClock(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	ah, amin, as := a.Clock()
	bh, bmin, bs := b.Clock()
	return ay == by && am == bm && ad == bd && ah == bh && amin == bmin && as == bs
}
