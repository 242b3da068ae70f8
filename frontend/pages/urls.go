package pages

import (
	"net/url"
	"strconv"

	"github.com/a-h/templ"

	"github.com/meshflow/meshflow/backend/model"
)

// DAGURL is the page of a DAG.
func DAGURL(name string) string { return "/dags/" + url.PathEscape(name) }

// DAGViewURL is one view of a DAG's page, with extra query parameters
// given as name, value pairs; empty values are left out.
func DAGViewURL(name, view string, kv ...string) string {
	if view != "" && view != ViewGraph {
		kv = append([]string{"view", view}, kv...)
	}
	return withQuery(DAGURL(name), kv...)
}

// DAGListURL is the DAG list with query parameters given as name, value
// pairs, e.g. DAGListURL("tag", "reports").
func DAGListURL(kv ...string) string { return withQuery("/dags", kv...) }

// RunListURL is the runs list filtered by DAG and state (empty: all), with
// extra query parameters as in DAGViewURL.
func RunListURL(dag, state string, kv ...string) string {
	return withQuery("/runs", append([]string{"dag", dag, "state", state}, kv...)...)
}

// withQuery adds the name, value pairs kv to path, leaving out empty values.
func withQuery(path string, kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// RunURL is the page of a run.
func RunURL(id int64) string { return "/runs/" + strconv.FormatInt(id, 10) }

// LogURL is where one try's whole log downloads.
func LogURL(runID int64, task string, try int) string {
	return RunURL(runID) + "/tasks/" + url.PathEscape(task) + "/tries/" + strconv.Itoa(try) + "/log"
}

// TaskActionURL is where a form posts an action on one task of a run.
func TaskActionURL(runID int64, task, action string) string {
	return RunURL(runID) + "/tasks/" + url.PathEscape(task) + "/" + action
}

// TaskLogsURL is a run's page showing one task's logs, every try.
func TaskLogsURL(runID int64, task string) string {
	return withQuery(RunURL(runID), "task", task) + "#logs"
}

// safe marks a URL built by the functions above as safe for href.
func safe(u string) templ.SafeURL { return templ.SafeURL(u) }

// id formats a run id.
func id(n int64) string { return strconv.FormatInt(n, 10) }

// FilterURL is path with the filter values base, changed by the name,
// value pairs kv: an empty value removes its name. Lists use it to keep
// their filters through tabs, pages and links.
func FilterURL(path string, base url.Values, kv ...string) string {
	q := url.Values{}
	for k, vs := range base {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// AuditURL is the Audit page filtered by f, as the filter form sends it:
// a link another page can give to "the history of this DAG".
func AuditURL(f model.AuditFilter) string {
	before := ""
	if f.BeforeID > 0 {
		before = strconv.FormatInt(f.BeforeID, 10)
	}
	return withQuery("/audit", "source", string(f.Source), "action", f.Action,
		"outcome", string(f.Outcome), "target", f.Target, "before", before)
}

// AuditTargetURL is the page of an audited action's target, or "" for a
// target without one (a session, a request). A deleted variable has no
// form to open: its link is the list; likewise a deleted connection.
func AuditTargetURL(e model.AuditEvent) string {
	t := e.Target
	switch t.Kind {
	case model.TargetDAG:
		return DAGURL(t.ID)
	case model.TargetRun:
		if n, err := strconv.ParseInt(t.ID, 10, 64); err == nil && n > 0 {
			return RunURL(n)
		}
	case model.TargetTask:
		if run, task, ok := t.TaskRef(); ok {
			return TaskLogsURL(run, task)
		}
	case model.TargetVariable:
		if e.Action == model.ActionVariableDelete || e.Outcome != model.OutcomeDone {
			return "/variables"
		}
		return VariableEditURL(t.ID)
	case model.TargetSettings:
		return "/settings"
	case model.TargetConnection:
		if e.Action == model.ActionConnectionDelete || e.Outcome != model.OutcomeDone {
			return "/connections"
		}
		return ConnectionEditURL(t.ID)
	}
	return ""
}
