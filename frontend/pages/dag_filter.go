package pages

import (
	"net/url"
	"strings"

	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/components"
)

// DAGFilterKeys are the query parameters of the DAG list's filters.
var DAGFilterKeys = []string{"q", "tag", "status"}

// DAGQuery keeps the filter values of an address the DAG list knows.
func DAGQuery(q url.Values) url.Values {
	out := url.Values{}
	for _, k := range DAGFilterKeys {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			out.Set(k, v)
		}
	}
	return out
}

// Filtered reports whether any filter is set.
func (l DAGList) Filtered() bool { return len(l.Query) > 0 }

// Filter is the list's filter bar.
func (l DAGList) Filter() components.Filter {
	q := l.Query
	tags := []components.FilterOption{{Value: "", Label: "Any tag"}}
	for _, t := range withValue(l.Tags, q.Get("tag")) {
		tags = append(tags, components.FilterOption{Value: t, Label: t})
	}
	return components.Filter{
		Action: "/dags", One: "DAG", Many: "DAGs", Shown: len(l.DAGs), Total: l.Total, Active: l.Filtered(), ResetURL: "/dags",
		Fields: []components.FilterField{
			{Kind: components.FieldSearch, Name: "q", Label: "Name", Value: q.Get("q"), Placeholder: "part of a name"},
			{Kind: components.FieldSelect, Name: "tag", Label: "Tag", Value: q.Get("tag"), Options: tags},
			{Kind: components.FieldSelect, Name: "status", Label: "Schedule", Value: q.Get("status"), Options: []components.FilterOption{
				{Value: "", Label: "On or paused"}, {Value: workflow.DAGActive, Label: "On"}, {Value: workflow.DAGPaused, Label: "Paused"},
			}},
		},
	}
}

// EmptyMessage names the filters that left no DAG: "No paused DAGs tagged
// reports with etl in their name."
func (l DAGList) EmptyMessage() string {
	q := l.Query
	msg := "No "
	switch q.Get("status") {
	case workflow.DAGPaused:
		msg += "paused "
	case workflow.DAGActive:
		msg += "scheduled-on "
	}
	msg += "DAGs"
	if t := q.Get("tag"); t != "" {
		msg += " tagged " + t
	}
	if n := q.Get("q"); n != "" {
		msg += " with “" + n + "” in their name"
	}
	return msg + "."
}
