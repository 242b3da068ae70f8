package scheduler

import (
	"strings"
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustParse(t testing.TB, spec, tz string) Schedule {
	t.Helper()
	s, err := Parse(spec, tz)
	if err != nil {
		t.Fatalf("Parse(%q, %q): %v", spec, tz, err)
	}
	return s
}

// nextN returns the first n times of s after from.
func nextN(s Schedule, from time.Time, n int) []time.Time {
	var ts []time.Time
	for t := from; len(ts) < n; {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		ts = append(ts, t)
	}
	return ts
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestScheduleNext(t *testing.T) {
	from := utc("2026-01-05T10:07:30Z") // a Monday
	tests := []struct {
		spec, tz string
		want     []string
	}{
		{"*/15 * * * *", "UTC", []string{"2026-01-05T10:15:00Z", "2026-01-05T10:30:00Z", "2026-01-05T10:45:00Z"}},
		{"0 6 * * *", "UTC", []string{"2026-01-06T06:00:00Z", "2026-01-07T06:00:00Z"}},
		{"30 22 * * 1-5", "UTC", []string{"2026-01-05T22:30:00Z", "2026-01-06T22:30:00Z"}},
		// Six fields: the first is seconds.
		{"*/20 * * * * *", "UTC", []string{"2026-01-05T10:07:40Z", "2026-01-05T10:08:00Z", "2026-01-05T10:08:20Z"}},
		{"15 0 6 * * *", "UTC", []string{"2026-01-06T06:00:15Z"}},
		{"@daily", "UTC", []string{"2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z"}},
		{"@midnight", "UTC", []string{"2026-01-06T00:00:00Z"}},
		{"@hourly", "UTC", []string{"2026-01-05T11:00:00Z", "2026-01-05T12:00:00Z"}},
		{"@weekly", "UTC", []string{"2026-01-11T00:00:00Z"}},
		{"@monthly", "UTC", []string{"2026-02-01T00:00:00Z"}},
		{"@yearly", "UTC", []string{"2027-01-01T00:00:00Z"}},
		{"@every 5m", "UTC", []string{"2026-01-05T10:12:30Z", "2026-01-05T10:17:30Z"}},
		// Classic crontab: day of month OR day of week when both are set.
		{"0 12 13 * FRI", "UTC", []string{"2026-01-09T12:00:00Z", "2026-01-13T12:00:00Z", "2026-01-16T12:00:00Z"}},
		// Time zones: 06:00 in New York is 11:00 UTC in winter, 10:00 in summer.
		{"0 6 * * *", "America/New_York", []string{"2026-01-05T11:00:00Z", "2026-01-06T11:00:00Z"}},
		{"0 9 * * *", "Asia/Kolkata", []string{"2026-01-06T03:30:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.spec+"/"+tt.tz, func(t *testing.T) {
			got := nextN(mustParse(t, tt.spec, tt.tz), from, len(tt.want))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d times, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				if !got[i].Equal(utc(w)) {
					t.Errorf("time %d = %s, want %s", i, got[i].UTC().Format(time.RFC3339), w)
				}
			}
		})
	}
}

func TestScheduleTimeZoneSummer(t *testing.T) {
	s := mustParse(t, "0 6 * * *", "America/New_York")
	got := s.Next(utc("2026-07-01T00:00:00Z"))
	if want := utc("2026-07-01T10:00:00Z"); !got.Equal(want) {
		t.Fatalf("summer Next = %v, want %v", got.UTC(), want)
	}
	if got.Location().String() != "America/New_York" {
		t.Errorf("Next is in %v, want the schedule's zone", got.Location())
	}
}

// occurrencesOn counts the runs of s on the local calendar day of day.
func occurrencesOn(s Schedule, day time.Time) []time.Time {
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, day.Location())
	end := start.AddDate(0, 0, 1)
	var ts []time.Time
	for t := s.Next(start.Add(-time.Second)); !t.IsZero() && t.Before(end); t = s.Next(t) {
		ts = append(ts, t)
	}
	return ts
}

func TestScheduleDST(t *testing.T) {
	berlin := mustLoad(t, "Europe/Berlin")
	spring := time.Date(2026, 3, 29, 12, 0, 0, 0, berlin) // 02:00 CET → 03:00 CEST
	fall := time.Date(2026, 10, 25, 12, 0, 0, 0, berlin)  // 03:00 CEST → 02:00 CET
	tests := []struct {
		name string
		spec string
		day  time.Time
		want []string // UTC
	}{
		{"skipped time runs after the gap", "30 2 * * *", spring, []string{"2026-03-29T01:30:00Z"}},
		{"skipped hour start", "0 2 * * *", spring, []string{"2026-03-29T01:00:00Z"}},
		{"repeated time runs once", "30 2 * * *", fall, []string{"2026-10-25T00:30:00Z"}},
		{"repeated hour range runs once per hour", "0 1-3 * * *", fall, []string{"2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z"}},
		{"hourly keeps every real hour", "0 * * * *", fall, nil}, // counted below
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := occurrencesOn(mustParse(t, tt.spec, "Europe/Berlin"), tt.day)
			if tt.want == nil {
				if len(got) != 25 {
					t.Fatalf("hourly on the 25-hour day ran %d times, want 25", len(got))
				}
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("ran %d times (%v), want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				if !got[i].Equal(utc(w)) {
					t.Errorf("run %d at %s, want %s", i, got[i].UTC().Format(time.RFC3339), w)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		spec, tz, want string
	}{
		{"", "", "empty schedule"},
		{"* * * *", "", "schedule \"* * * *\""},
		{"61 * * * *", "", "above maximum"},
		{"@sometimes", "", "unrecognized descriptor"},
		{"0 6 * * *", "Mars/Olympus", "unknown time zone \"Mars/Olympus\""},
		{"TZ=UTC 0 6 * * *", "", "timezone field"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			_, err := Parse(tt.spec, tt.tz)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse(%q, %q) err = %v, want it to mention %q", tt.spec, tt.tz, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "scheduler: ") {
				t.Errorf("err = %q, want the scheduler: prefix", err)
			}
		})
	}
}

func TestScheduleNeverFires(t *testing.T) {
	now := utc("2026-01-05T10:00:00Z")
	if got := (Schedule{}).Next(now); !got.IsZero() {
		t.Errorf("zero Schedule Next = %v, want zero", got)
	}
	if got := mustParse(t, "@manual", "UTC").Next(now); !got.IsZero() {
		t.Errorf("@manual Next = %v, want zero", got)
	}
}

func TestParseEmptyZoneIsLocal(t *testing.T) {
	s := mustParse(t, "0 6 * * *", "")
	if s.loc != time.Local {
		t.Fatalf("zone = %v, want time.Local", s.loc)
	}
	from := time.Date(2026, 1, 5, 7, 0, 0, 0, time.Local)
	if got, want := s.Next(from.UTC()), time.Date(2026, 1, 6, 6, 0, 0, 0, time.Local); !got.Equal(want) {
		t.Fatalf("Next = %v, want %v (06:00 local, whatever zone the argument is in)", got, want)
	}
}

// TestNextMatchesGoCron checks the shortcut for second-0 schedules against
// go-cron's own walk, around DST changes. Lord Howe, whose clocks move by
// half an hour, is left out: there go-cron's walk itself skips a day from
// some start seconds (TestLordHowe).
func TestNextMatchesGoCron(t *testing.T) {
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu"}
	days := []string{"2026-03-08T00:00:00Z", "2026-03-29T00:00:00Z", "2026-04-05T00:00:00Z", "2026-10-04T00:00:00Z", "2026-10-25T00:00:00Z", "2026-11-01T00:00:00Z"}
	specs := []string{"* * * * *", "*/7 * * * *", "30 2 * * *", "0 1-3 * * *", "45 * * * *", "@hourly", "@daily"}
	for _, zone := range zones {
		for _, spec := range specs {
			s := mustParse(t, spec, zone)
			if !s.secondZero {
				t.Fatalf("%s: secondZero not set", spec)
			}
			reference := s
			reference.secondZero = false
			for _, day := range days {
				start := utc(day).Add(-24 * time.Hour)
				for at := start; at.Before(start.Add(72 * time.Hour)); at = at.Add(7*time.Minute + 13*time.Second + 1234) {
					if got, want := s.Next(at), reference.Next(at); !got.Equal(want) {
						t.Fatalf("%s in %s after %v: Next = %v, go-cron says %v", spec, zone, at.In(s.loc), got, want)
					}
				}
			}
		}
	}
}

// TestLordHowe: a daily run on each day around a half-hour DST change.
func TestLordHowe(t *testing.T) {
	lh := mustLoad(t, "Australia/Lord_Howe")
	s := mustParse(t, "@daily", "Australia/Lord_Howe")
	for day := 2; day <= 6; day++ {
		if got := occurrencesOn(s, time.Date(2026, 10, day, 12, 0, 0, 0, lh)); len(got) != 1 {
			t.Errorf("2026-10-%02d: %d runs (%v), want 1", day, len(got), got)
		}
	}
	// From inside the first hour after the change, the next run is the
	// next midnight, not the one after.
	after := time.Date(2026, 10, 4, 2, 59, 49, 0, lh)
	if got, want := s.Next(after), time.Date(2026, 10, 5, 0, 0, 0, 0, lh); !got.Equal(want) {
		t.Errorf("Next(%v) = %v, want %v", after, got, want)
	}
}
