package store

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// An audit log written before the vocabulary — free-text targets, the
// client's address as the source, an HTTP status as the result — reads
// back after the upgrade in the new words, every row kept.
func TestAuditUpgradeMapsOldRows(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "meshflow.db")
	// The schema just before the vocabulary, wherever later migrations put it.
	at := slices.IndexFunc(migrations, func(m migration) bool { return m.name == "audit vocabulary" })
	old, err := open(ctx, path, migrations[:at])
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		action, target, source string
		status                 int
	}{
		{"settings.save", "preferences", "127.0.0.1", 303},
		{"dag.trigger", "etl", "api 127.0.0.1", 200},
		{"run.cancel", "run 999", "api ::1", 404},
		{"task.clear", "run 42 task extract", "127.0.0.1", 409},
		{"variable.set", "API_TOKEN", "desktop", 303},
		{"login", "browser session", "127.0.0.1", 401},
		{"login.link", "browser session", "serve", 201},
		{"POST /nope", "", "127.0.0.1", 404},
		{"refused requests", "7 more refused requests, not recorded one by one", "127.0.0.1", 403},
		{"settings.save", "preferences", "127.0.0.1", 500},
	}
	for i, r := range rows {
		if _, err := old.db.Exec(`INSERT INTO audit_log (at, action, target, source, status) VALUES (?, ?, ?, ?, ?)`,
			int64(1_700_000_000_000+i), r.action, r.target, r.source, r.status); err != nil {
			t.Fatal(err)
		}
	}
	old.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer s.Close()
	events, err := s.AuditEvents(ctx, model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(events) - 1; i >= 0; i-- { // oldest first, as inserted
		e := events[i]
		got = append(got, fmt.Sprintf("%s|%s|%s|%s|%s/%s|%s|%s", e.Source, e.Actor, e.Address, e.Action, e.Target.Kind, e.Target.ID, e.Outcome, e.Reason))
	}
	want := []string{
		"ui||127.0.0.1|settings.save|settings/preferences|done|",
		"api|API token|127.0.0.1|dag.trigger|dag/etl|done|",
		"api|API token|::1|run.cancel|run/999|refused|HTTP 404, recorded before reasons were",
		"ui||127.0.0.1|task.clear|task/42/extract|refused|HTTP 409, recorded before reasons were",
		"desktop|desktop window||variable.set|variable/API_TOKEN|done|",
		"ui||127.0.0.1|login|session/|refused|HTTP 401, recorded before reasons were",
		"cli|local user||login.link|session/|done|",
		"ui||127.0.0.1|request|request/POST /nope|refused|HTTP 404, recorded before reasons were",
		"ui||127.0.0.1|request.refusals|/|refused|7 more refused requests, not recorded one by one",
		"ui||127.0.0.1|settings.save|settings/preferences|failed|HTTP 500, recorded before reasons were",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("upgraded rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if first := events[len(events)-1]; !first.At.Equal(time.UnixMilli(1_700_000_000_000)) || first.ID != 1 {
		t.Errorf("first row = id %d at %v: ids and times must survive", first.ID, first.At)
	}
	// The task target of an old row links as a new one does.
	if run, task, ok := events[len(events)-4].Target.TaskRef(); !ok || run != 42 || task != "extract" {
		t.Errorf("old task target reads as run %d task %q (%v)", run, task, ok)
	}
}

// Filters combine, the target text matches what the page shows ("run 42",
// "42/extract", "etl") whatever its case, and counts follow the filter.
func TestAuditFilters(t *testing.T) {
	ctx := t.Context()
	s := openTemp(t)
	add := func(src model.AuditSource, action string, target model.AuditTarget, outcome model.Outcome) {
		t.Helper()
		if _, err := s.AddAuditEvent(ctx, model.AuditEvent{Source: src, Action: action, Target: target, Outcome: outcome}); err != nil {
			t.Fatal(err)
		}
	}
	add(model.SourceUI, model.ActionDAGTrigger, model.DAGTarget("etl"), model.OutcomeDone)
	add(model.SourceCLI, model.ActionDAGTrigger, model.DAGTarget("ETL-nightly"), model.OutcomeDone)
	add(model.SourceCLI, model.ActionDAGTrigger, model.DAGTarget("reports"), model.OutcomeRefused)
	add(model.SourceAPI, model.ActionRunCancel, model.RunTarget(42), model.OutcomeRefused)
	add(model.SourceUI, model.ActionTaskClear, model.TaskTarget(42, "extract"), model.OutcomeFailed)

	for _, tt := range []struct {
		name string
		f    model.AuditFilter
		want int
	}{
		{"all", model.AuditFilter{}, 5},
		{"source", model.AuditFilter{Source: model.SourceCLI}, 2},
		{"action", model.AuditFilter{Action: model.ActionDAGTrigger}, 3},
		{"outcome", model.AuditFilter{Outcome: model.OutcomeRefused}, 2},
		{"combined", model.AuditFilter{Source: model.SourceCLI, Outcome: model.OutcomeDone}, 1},
		{"target any case", model.AuditFilter{Target: "etl"}, 2},
		{"target as shown", model.AuditFilter{Target: "run 42"}, 1},
		{"task target", model.AuditFilter{Target: "42/extract"}, 1},
		{"run number", model.AuditFilter{Target: "42"}, 2},
		{"nothing", model.AuditFilter{Source: model.SourceDesktop}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			events, err := s.AuditEvents(ctx, tt.f)
			if err != nil || len(events) != tt.want {
				t.Fatalf("events = %d (%v), want %d", len(events), err, tt.want)
			}
			n, err := s.CountAuditEvents(ctx, tt.f)
			if err != nil || n != tt.want {
				t.Fatalf("count = %d (%v), want %d", n, err, tt.want)
			}
		})
	}
	actions, err := s.AuditActions(ctx)
	if err != nil || strings.Join(actions, ",") != "dag.trigger,run.cancel,task.clear" {
		t.Errorf("actions = %v (%v)", actions, err)
	}
	if _, err := s.AddAuditEvent(ctx, model.AuditEvent{Source: model.SourceUI, Action: "x"}); err == nil {
		t.Error("an event without an outcome was recorded")
	}
}
