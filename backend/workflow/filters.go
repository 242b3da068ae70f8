package workflow

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// The filters of the DAG and run lists are written as query parameters,
// the same in the UI's address, the REST API and the CLI's flags, and read
// here once, so all three accept the same values and refuse bad ones with
// the same words.

// DateLayout is how a filter writes a day: 2026-12-01.
const DateLayout = "2006-01-02"

// ParseRunFilter reads a runs filter from query parameters:
//
//	dag=NAME        the runs of one DAG
//	tag=TAG         the runs of the DAGs that carry the tag
//	state=failed    repeatable, or comma-separated
//	trigger=manual  likewise: schedule, manual, cli, api, dag
//	from=2026-12-01 to=2026-12-03
//	                queued on these days, both included, read in the zone
//	                tz=Europe/Berlin or else zone; or RFC 3339 instants,
//	                to excluded
//
// A bad value is model.ErrInvalid with a message that says what to write.
// Paging (before, limit) is each face's own.
func ParseRunFilter(q url.Values, zone *time.Location) (model.RunFilter, error) {
	f := model.RunFilter{DAG: strings.TrimSpace(q.Get("dag")), Tag: strings.TrimSpace(q.Get("tag"))}
	var err error
	if f.States, err = parseList(q["state"], "state", model.RunStates); err != nil {
		return f, err
	}
	if f.Triggers, err = parseList(q["trigger"], "trigger", Triggers); err != nil {
		return f, err
	}
	if zone, err = dateZone(q, zone); err != nil {
		return f, err
	}
	if f.From, err = parseDay(q.Get("from"), "from", zone, false); err != nil {
		return f, err
	}
	if f.To, err = parseDay(q.Get("to"), "to", zone, true); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return f, model.Errorf(model.ErrInvalid, "from %s comes after to %s: swap them", q.Get("from"), q.Get("to"))
	}
	return f, nil
}

// Triggers are what can start a run, as the trigger filter names them.
var Triggers = []model.Trigger{model.TriggerSchedule, model.TriggerManual, model.TriggerCLI, model.TriggerAPI, model.TriggerDAG}

// dateZone is the zone the dates of a filter are read in: the one its tz
// parameter names, else zone.
func dateZone(q url.Values, zone *time.Location) (*time.Location, error) {
	name := strings.TrimSpace(q.Get("tz"))
	if name == "" {
		return zone, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil, model.Errorf(model.ErrInvalid, "tz %s is not a time zone: write a name such as Europe/Berlin or UTC", model.Quote(name))
	}
	return loc, nil
}

// parseList reads a repeatable, comma-separated parameter whose values
// must be among allowed.
func parseList[T ~string](values []string, name string, allowed []T) ([]T, error) {
	var out []T
	for _, v := range values {
		for s := range strings.SplitSeq(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if !slices.Contains(allowed, T(s)) {
				return nil, model.Errorf(model.ErrInvalid, "%s %s is not one of %s", name, model.Quote(s), join(allowed))
			}
			out = append(out, T(s))
		}
	}
	return out, nil
}

// parseDay reads a day in zone, or an instant. The end of a range names
// the last day it includes, so it stands for the midnight after it.
func parseDay(v, name string, zone *time.Location, end bool) (time.Time, error) {
	if v = strings.TrimSpace(v); v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(DateLayout, v, zone)
	if err != nil {
		return time.Time{}, model.Errorf(model.ErrInvalid, "%s %s is not a date: write it as 2026-12-01", name, model.Quote(v))
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

func join[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// DAGFilter selects DAGs in listings. Zero fields do not filter.
type DAGFilter struct {
	Name   string // a part of the name, in any case
	Tag    string
	Status string // DAGPaused or DAGActive
}

// The states a DAG list filters by: whether the schedule is paused.
const (
	DAGPaused = "paused"
	DAGActive = "active"
)

// ParseDAGFilter reads a DAG filter from query parameters: q=PART of the
// name, tag=TAG and status=paused or active.
func ParseDAGFilter(q url.Values) (DAGFilter, error) {
	f := DAGFilter{Name: strings.TrimSpace(q.Get("q")), Tag: strings.TrimSpace(q.Get("tag")), Status: strings.TrimSpace(q.Get("status"))}
	if f.Status != "" && f.Status != DAGPaused && f.Status != DAGActive {
		return f, model.Errorf(model.ErrInvalid, "status %s is not one of %s, %s", model.Quote(f.Status), DAGActive, DAGPaused)
	}
	return f, nil
}

// IsZero reports whether f lets every DAG through.
func (f DAGFilter) IsZero() bool { return f == DAGFilter{} }

// Match reports whether d passes f.
func (f DAGFilter) Match(d DAG) bool {
	switch {
	case f.Name != "" && !strings.Contains(strings.ToLower(d.Name), strings.ToLower(f.Name)):
		return false
	case f.Tag != "" && !slices.Contains(d.Tags, f.Tag):
		return false
	case f.Status == DAGPaused && !d.Paused, f.Status == DAGActive && d.Paused:
		return false
	}
	return true
}

// Filter returns the DAGs that pass f, in their order.
func (f DAGFilter) Filter(dags []DAG) []DAG {
	if f.IsZero() {
		return dags
	}
	var out []DAG
	for _, d := range dags {
		if f.Match(d) {
			out = append(out, d)
		}
	}
	return out
}

// byTag turns the tag of a runs filter into the DAGs that carry it, which
// the store can filter by. It reports false when no DAG does: then no run
// matches.
func (s *Service) byTag(f model.RunFilter) (model.RunFilter, bool) {
	if f.Tag == "" {
		return f, true
	}
	var names []string
	for _, e := range s.folder.List() {
		if e.DAG != nil && slices.Contains(e.DAG.Tags, f.Tag) && (len(f.DAGs) == 0 || slices.Contains(f.DAGs, e.Name)) {
			names = append(names, e.Name)
		}
	}
	f.Tag, f.DAGs = "", names
	return f, len(names) > 0
}

// CountRuns counts the runs that match f, on every page.
func (s *Service) CountRuns(ctx context.Context, f model.RunFilter) (int, error) {
	f, ok := s.byTag(f)
	if !ok {
		return 0, nil
	}
	n, err := s.store.CountRuns(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("count runs: %w", err)
	}
	return n, nil
}
