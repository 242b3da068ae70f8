package pages

import (
	"net/url"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/components"
)

// RunFilterKeys are the query parameters of the runs list's filters.
var RunFilterKeys = []string{"dag", "tag", "state", "trigger", "from", "to", "tz"}

// URL is this list with its filters, changed by the name, value pairs kv.
func (l RunList) URL(kv ...string) string { return FilterURL("/runs", l.Query, kv...) }

// Filtered reports whether any filter is set; the zone dates are read in
// alone filters nothing.
func (l RunList) Filtered() bool {
	for _, k := range RunFilterKeys {
		if k != "tz" && l.Query.Get(k) != "" {
			return true
		}
	}
	return false
}

// Filter is the list's filter bar. The state is chosen by the tabs above
// it, and kept through the form.
func (l RunList) Filter() components.Filter {
	q := l.Query
	dags := []components.FilterOption{{Value: "", Label: "All DAGs"}}
	for _, d := range withValue(l.DAGs, q.Get("dag")) {
		dags = append(dags, components.FilterOption{Value: d, Label: d})
	}
	tags := []components.FilterOption{{Value: "", Label: "Any tag"}}
	for _, t := range withValue(l.Tags, q.Get("tag")) {
		tags = append(tags, components.FilterOption{Value: t, Label: t})
	}
	triggers := []components.FilterOption{{Value: "", Label: "Any trigger"}}
	for _, t := range workflow.Triggers {
		triggers = append(triggers, components.FilterOption{Value: string(t), Label: TriggerLabel(string(t))})
	}
	return components.Filter{
		Action: "/runs", One: "run", Many: "runs", Shown: l.Shown, Total: l.Total, Active: l.Filtered(), ResetURL: "/runs",
		Fields: []components.FilterField{
			{Kind: components.FieldSelect, Name: "dag", Label: "DAG", Value: q.Get("dag"), Options: dags},
			{Kind: components.FieldSelect, Name: "tag", Label: "Tag", Value: q.Get("tag"), Options: tags},
			{Kind: components.FieldSelect, Name: "trigger", Label: "Trigger", Value: q.Get("trigger"), Options: triggers},
			{Kind: components.FieldDate, Name: "from", Label: "From", Value: q.Get("from")},
			{Kind: components.FieldDate, Name: "to", Label: "To", Value: q.Get("to")},
			{Kind: components.FieldZone, Name: "tz", Value: q.Get("tz")},
			{Kind: components.FieldHidden, Name: "state", Value: q.Get("state")},
		},
	}
}

// withValue is names with v added when it is set and missing, so that a
// select can show a value no longer offered, such as a removed DAG's.
func withValue(names []string, v string) []string {
	for _, n := range names {
		if n == v {
			return names
		}
	}
	if v == "" {
		return names
	}
	return append(names, v)
}

// TriggerLabel names what started a run, for the filter.
func TriggerLabel(t string) string {
	switch t {
	case "schedule":
		return "Schedule"
	case "manual":
		return "By hand (UI)"
	case "cli":
		return "Command line"
	case "api":
		return "API"
	case "dag":
		return "Another DAG"
	}
	return t
}

// EmptyMessage names the filters that left the list empty: "No failed
// runs of etl between 1 and 3 Dec."
func (l RunList) EmptyMessage() string {
	q := l.Query
	var b strings.Builder
	b.WriteString("No ")
	if s := strings.Join(q["state"], ","); s != "" {
		var labels []string
		for st := range strings.SplitSeq(s, ",") {
			labels = append(labels, components.StateLabel(strings.TrimSpace(st)))
		}
		b.WriteString(strings.Join(labels, " or ") + " ")
	}
	b.WriteString("runs")
	if d := q.Get("dag"); d != "" {
		b.WriteString(" of " + d)
	}
	if t := q.Get("tag"); t != "" {
		b.WriteString(" of DAGs tagged " + t)
	}
	if t := q.Get("trigger"); t != "" {
		b.WriteString(" started by " + strings.ToLower(TriggerLabel(t)))
	}
	b.WriteString(DayRange(q.Get("from"), q.Get("to"), l.Now))
	return b.String() + "."
}

// DayRange words a range of days as a filter gives them, both included:
// " between 1 and 3 Dec", " on 1 Dec", " since 1 Dec", " until 3 Dec
// 2025"; empty for no range. The year is named when it is not now's.
func DayRange(from, to string, now time.Time) string {
	f, fok := day(from)
	t, tok := day(to)
	switch {
	case fok && tok && f.Equal(t):
		return " on " + dayText(f, now)
	case fok && tok:
		if f.Year() == t.Year() && f.Month() == t.Month() {
			return " between " + f.Format("2") + " and " + dayText(t, now)
		}
		return " between " + dayText(f, now) + " and " + dayText(t, now)
	case fok:
		return " since " + dayText(f, now)
	case tok:
		return " until " + dayText(t, now)
	case from != "" || to != "":
		return " between " + orDash(from) + " and " + orDash(to)
	}
	return ""
}

func day(s string) (time.Time, bool) {
	t, err := time.Parse(workflow.DateLayout, s)
	return t, err == nil
}

func dayText(t, now time.Time) string {
	if t.Year() == now.Year() {
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// RunQuery keeps the filter values of an address the runs list knows, for
// its links; paging is not among them.
func RunQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range RunFilterKeys {
		for _, v := range q[k] {
			if v = strings.TrimSpace(v); v != "" {
				out.Add(k, v)
			}
		}
	}
	return out
}
