package dag

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	cron "github.com/netresearch/go-cron"
)

// DescribeSchedule puts a schedule in words for the UI: "every day at
// 06:00", "every 15 minutes", "at 22:30 on weekdays". Expressions it has no
// simple phrase for, and invalid ones, come back as written. Times are read
// in the DAG's time zone, which the caller shows beside them. It lives here,
// beside the format's own cron check, so the UI and the CLI need nothing
// from the scheduler to show a DAG.
func DescribeSchedule(spec string) string {
	spec = strings.TrimSpace(spec)
	if spec == "" || strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return spec
	}
	p, err := cron.TryNewParser(scheduleOptions)
	if err != nil {
		return spec
	}
	s, err := p.Parse(spec)
	if err != nil {
		return spec
	}
	if strings.HasPrefix(spec, "@") {
		return describeDescriptor(spec, s)
	}
	f := strings.Fields(spec)
	sec := "0"
	if len(f) == 6 {
		sec, f = f[0], f[1:]
	}
	if d, ok := describeFields(sec, f[0], f[1], f[2], f[3], f[4]); ok {
		return d
	}
	return spec
}

func describeDescriptor(spec string, s cron.Schedule) string {
	every, _ := s.(cron.ConstantDelaySchedule)
	switch {
	case every.Delay > 0:
		// From the parsed interval: go-cron rounds it to whole seconds.
		return "every " + durationWords(every.Delay)
	case cron.IsTriggered(s):
		return "only when triggered"
	}
	switch spec {
	case "@yearly", "@annually":
		return "every year on 1 January at 00:00"
	case "@monthly":
		return "on the 1st of every month at 00:00"
	case "@weekly":
		return "every Sunday at 00:00"
	case "@daily", "@midnight":
		return "every day at 00:00"
	case "@hourly":
		return "every hour"
	}
	return spec
}

// durationWords says a whole number of seconds in its largest whole unit:
// "5 minutes", "90 minutes", "hour".
func durationWords(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return plural(int(d/time.Minute), "minute")
	}
	return plural(int(d/time.Second), "second")
}

func plural(n int, unit string) string {
	if n == 1 {
		return unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// describeFields phrases the common shapes of a cron expression and reports
// false for the rest.
func describeFields(sec, minute, hour, dom, month, dow string) (string, bool) {
	anyDay := isAny(dom) && isAny(month) && isAny(dow)
	if sec != "0" && sec != "00" {
		if n, ok := step(sec, 60); ok && isAny(minute) && isAny(hour) && anyDay {
			return "every " + plural(n, "second"), true
		}
		return timesOn(sec, minute, hour, dom, month, dow)
	}
	if n, ok := step(minute, 60); ok && isAny(hour) && anyDay {
		return "every " + plural(n, "minute"), true
	}
	m, ok := number(minute)
	if !ok || !anyDay {
		return timesOn(sec, minute, hour, dom, month, dow)
	}
	if isAny(hour) {
		if m == 0 {
			return "every hour", true
		}
		return fmt.Sprintf("at %d minutes past every hour", m), true
	}
	if n, ok := step(hour, 24); ok && m == 0 {
		return "every " + plural(n, "hour"), true
	}
	return timesOn(sec, minute, hour, dom, month, dow)
}

// timesOn phrases fixed times of day ("06:00", "09:00 and 17:00") on a
// simple choice of days.
func timesOn(sec, minute, hour, dom, month, dow string) (string, bool) {
	times, ok := clockTimes(sec, minute, hour)
	if !ok {
		return "", false
	}
	switch {
	case isAny(dom) && isAny(month):
		return onWeekdays(times, dow)
	case isAny(dow) && isAny(month):
		d, ok := number(dom)
		return fmt.Sprintf("on the %s of every month at %s", ordinal(d), times), ok
	case isAny(dow):
		d, dok := number(dom)
		mo, mok := named(month, monthNames)
		return fmt.Sprintf("every year on %d %s at %s", d, time.Month(mo), times), dok && mok
	}
	return "", false
}

func onWeekdays(times, dow string) (string, bool) {
	if isAny(dow) {
		return "every day at " + times, true
	}
	days, ok := weekdays(dow)
	switch {
	case !ok:
		return "", false
	case slices.Equal(days, []time.Weekday{1, 2, 3, 4, 5}):
		return "at " + times + " on weekdays", true
	case slices.Equal(days, []time.Weekday{0, 6}):
		return "at " + times + " on weekends", true
	case len(days) == 1:
		return fmt.Sprintf("every %s at %s", days[0], times), true
	}
	names := make([]string, len(days))
	for i, d := range days {
		names[i] = d.String()
	}
	return "at " + times + " on " + list(names), true
}

// clockTimes lists the times of day of a single minute (and second) in one
// or more listed hours, such as "09:00 and 17:00".
func clockTimes(sec, minute, hour string) (string, bool) {
	s, sok := number(sec)
	m, mok := number(minute)
	if !sok || !mok {
		return "", false
	}
	var times []string
	for h := range strings.SplitSeq(hour, ",") {
		n, ok := number(h)
		if !ok {
			return "", false
		}
		t := fmt.Sprintf("%02d:%02d", n, m)
		if s != 0 {
			t += fmt.Sprintf(":%02d", s)
		}
		times = append(times, t)
	}
	return list(times), true
}

// weekdays reads a day-of-week field made of days, names and ranges, and
// returns the days in week order (Sunday first).
func weekdays(field string) ([]time.Weekday, bool) {
	var set [7]bool
	for part := range strings.SplitSeq(field, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, aok := named(lo, dayNames)
		b, bok := a, aok
		if isRange {
			b, bok = named(hi, dayNames)
		}
		if !aok || !bok || a > b {
			return nil, false
		}
		for d := a; d <= b; d++ {
			set[d%7] = true // 7 is Sunday too
		}
	}
	var days []time.Weekday
	for d, on := range set {
		if on {
			days = append(days, time.Weekday(d))
		}
	}
	return days, true
}

var (
	dayNames   = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	monthNames = []string{"", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
)

// named reads a number or a three-letter name from names (whose index is
// its number).
func named(s string, names []string) (int, bool) {
	if i := slices.Index(names, strings.ToLower(s)); i >= 0 && s != "" {
		return i, true
	}
	return number(s)
}

func number(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

func isAny(s string) bool { return s == "*" || s == "?" }

// step reads "*" as 1 and "*/n" or "0/n" as n, when n divides size so that
// the runs are truly evenly spaced.
func step(field string, size int) (int, bool) {
	if field == "*" {
		return 1, true
	}
	for _, prefix := range []string{"*/", "0/"} {
		if rest, ok := strings.CutPrefix(field, prefix); ok {
			n, ok := number(rest)
			return n, ok && n > 0 && size%n == 0
		}
	}
	return 0, false
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

// list joins items as "a", "a and b", "a, b and c".
func list(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
