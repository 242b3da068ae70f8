package dag

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/netresearch/go-cron"
)

// cronField describes one field of a cron expression for messages.
type cronField struct {
	name, accepts string
}

var (
	secondsField = cronField{"seconds", "0-59"}
	cronFields   = []cronField{
		{"minute", "0-59"},
		{"hour", "0-23"},
		{"day of month", "1-31"},
		{"month", "1-12 or JAN-DEC"},
		{"day of week", "0-7 or SUN-SAT (0 and 7 are Sunday)"},
	}
	cronDescriptors = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@every"}
	// cronQuotedTail is the `: "expr"` go-cron appends, which repeats the
	// field value the message already shows.
	cronQuotedTail = regexp.MustCompile(`: "[^"]*"$`)
)

// scheduleOptions are what `schedule:` accepts: 5 fields, an optional
// leading seconds field, and descriptors such as @daily and @every 1h. The
// scheduler must parse with the same options.
const scheduleOptions = cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor | cron.DowOrDom

// cronProblem explains why spec is not a valid schedule, naming the field
// at fault, or returns "" when it is valid. go-cron's own errors do not say
// which field failed, so each field is tried alone with "*" in the others.
func cronProblem(spec string) (msg, hint string) {
	p, err := cron.TryNewParser(scheduleOptions)
	if err != nil {
		return fmt.Sprintf("cannot check schedule %s: %v", excerpt(spec), err), ""
	}
	if _, err = p.Parse(spec); err == nil {
		return "", ""
	}
	s := strings.TrimSpace(spec)
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return fmt.Sprintf("invalid schedule %s: %s", excerpt(spec), foreign(err)), "set the zone with timezone: instead of inside the schedule"
	}
	if strings.HasPrefix(s, "@") {
		return descriptorProblem(spec, err)
	}
	fields := strings.Fields(s)
	names := cronFields
	if len(fields) == 6 {
		names = append([]cronField{secondsField}, cronFields...)
	}
	if len(fields) != len(names) {
		return fmt.Sprintf("invalid schedule %s: it has %d fields; want 5 (minute hour day-of-month month day-of-week), or 6 with seconds first", excerpt(spec), len(fields)),
			`for example "30 6 * * 1-5" is 06:30 on weekdays; descriptors such as @daily or @every 1h also work`
	}
	for i, f := range fields {
		probe := make([]string, len(fields))
		for k := range probe {
			probe[k] = "*"
		}
		probe[i] = f
		if _, ferr := p.Parse(strings.Join(probe, " ")); ferr != nil {
			return fmt.Sprintf("invalid schedule %s: %s field %s: %s", excerpt(spec), names[i].name, excerpt(f), cut(cronQuotedTail.ReplaceAllString(ferr.Error(), ""), maxForeignMsg)),
				fmt.Sprintf("the %s field accepts %s, and *, lists (1,15), ranges (1-5) and steps (*/10)", names[i].name, names[i].accepts)
		}
	}
	return fmt.Sprintf("invalid schedule %s: %s", excerpt(spec), foreign(err)), ""
}

func descriptorProblem(spec string, err error) (msg, hint string) {
	word := strings.Fields(spec)[0]
	if word == "@every" {
		return fmt.Sprintf("invalid schedule %s: %s", excerpt(spec), foreign(err)), `write @every and a Go duration, e.g. "@every 90s" or "@every 1h30m"`
	}
	return fmt.Sprintf("invalid schedule %s: unknown descriptor %s", excerpt(spec), cut(word, maxShownLength)),
		meantAnd(word, cronDescriptors, "descriptors")
}

// schedules reports whether spec is a valid schedule that starts runs by
// itself; @manual, @triggered and @none only name a DAG run by hand.
func schedules(spec string) bool {
	p, err := cron.TryNewParser(scheduleOptions)
	if err != nil {
		return false
	}
	s, err := p.Parse(spec)
	return err == nil && !cron.IsTriggered(s)
}

// foreign cuts another library's error, which may repeat the whole input.
func foreign(err error) string { return cut(err.Error(), maxForeignMsg) }
