package frontend_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/meshflow/meshflow/backend/model"
)

// The Audit page links each target to its page, shows outcomes in words
// with their reasons, and filters, counts and resets through its address.
func TestAuditPageLinksFiltersAndCounts(t *testing.T) {
	f := newFixture(t, false)
	events := []model.AuditEvent{
		{Source: model.SourceUI, Action: model.ActionDAGTrigger, Target: model.DAGTarget("etl"), Outcome: model.OutcomeDone},
		{Source: model.SourceAPI, Action: model.ActionRunCancel, Target: model.RunTarget(42), Outcome: model.OutcomeRefused, Reason: "run 42 already ended: success"},
		{Source: model.SourceCLI, Action: model.ActionTaskClear, Target: model.TaskTarget(42, "extract"), Outcome: model.OutcomeFailed, Reason: model.ReasonInternal},
		{Source: model.SourceCLI, Action: model.ActionVariableSet, Target: model.VariableTarget("KEY"), Outcome: model.OutcomeDone},
		{Source: model.SourceDesktop, Action: model.ActionVariableDelete, Target: model.VariableTarget("OLD"), Outcome: model.OutcomeDone},
		{Source: model.SourceUI, Action: model.ActionSettingsSave, Target: model.AuditTarget{Kind: model.TargetSettings, ID: "preferences"}, Outcome: model.OutcomeDone},
		{Source: model.SourceUI, Action: model.ActionLogin, Target: model.AuditTarget{Kind: model.TargetSession}, Outcome: model.OutcomeRefused, Reason: "this login link is unknown, used already or expired"},
	}
	for _, e := range events {
		if _, err := f.store.AddAuditEvent(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	doc := parse(t, f.do(t, "GET", "/audit", nil, nil))
	links := map[string]string{}
	doc.Find(`[data-testid="audit-row"] .audit-target`).Each(func(_ int, s *goquery.Selection) {
		href, _ := s.Find("a").Attr("href")
		links[strings.TrimSpace(s.Text())] = href
	})
	for target, want := range map[string]string{
		"dag etl": "/dags/etl", "run 42": "/runs/42", "task 42/extract": "/runs/42?task=extract#logs",
		"variable KEY": "/variables?edit=KEY", "variable OLD": "/variables", "settings preferences": "/settings", "session": "",
	} {
		if got, ok := links[target]; !ok || got != want {
			t.Errorf("target %q links to %q (shown: %v), want %q", target, got, ok, want)
		}
	}
	outcomes := doc.Find(`[data-testid="audit-row"] .audit-outcome`).Map(func(_ int, s *goquery.Selection) string {
		return strings.Join(strings.Fields(s.Text()), " ")
	})
	if want := "refused this login link is unknown, used already or expired"; outcomes[0] != want {
		t.Errorf("newest outcome = %q, want %q", outcomes[0], want)
	}
	if want := "failed " + model.ReasonInternal; outcomes[4] != want {
		t.Errorf("failed outcome = %q, want %q", outcomes[4], want)
	}
	if got := doc.Find(`[data-testid="audit-count"]`).Text(); got != "7 events recorded." {
		t.Errorf("count = %q", got)
	}
	if doc.Find(`[data-testid="filter-reset"]`).Length() != 0 {
		t.Error("an unfiltered page offers to reset its filter")
	}

	doc = parse(t, f.do(t, "GET", "/audit?outcome=refused&target=42", nil, nil))
	if got := doc.Find(`[data-testid="audit-count"]`).Text(); got != "1 of 7 events match." {
		t.Errorf("filtered count = %q", got)
	}
	if v, _ := doc.Find(`[data-testid="filter-outcome"] option[selected]`).Attr("value"); v != "refused" {
		t.Errorf("the form forgets the outcome asked for: %q", v)
	}
	if v, _ := doc.Find(`[data-testid="filter-target"]`).Attr("value"); v != "42" {
		t.Errorf("the form forgets the target asked for: %q", v)
	}
	if href, _ := doc.Find(`[data-testid="filter-reset"]`).Attr("href"); href != "/audit" {
		t.Errorf("reset links to %q", href)
	}

	rec := f.do(t, "GET", "/audit?source=scheduler", nil, nil)
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "Source &#34;scheduler&#34; is not one of ui, desktop, api, cli, system.") {
		t.Errorf("unknown source = %d\n%.300s", rec.Code, rec.Body)
	}
}
