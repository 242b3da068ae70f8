package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/meshflow/meshflow/backend/model"
)

// On a 420 px phone the Audit page filters by source, outcome and target
// through a GET form whose values stay in the address, counts what they
// select, names an empty result's filter, resets, and links a target to
// its page — and at no step is the page wider than the screen.
func TestBrowserAuditFiltersOnAPhone(t *testing.T) {
	s := startSite(t)
	ctx := t.Context()
	start := time.Now().Add(-time.Hour)
	add := func(i int, src model.AuditSource, action string, target model.AuditTarget, outcome model.Outcome, reason string) {
		t.Helper()
		_, err := s.app.Store.AddAuditEvent(ctx, model.AuditEvent{
			At: start.Add(time.Duration(i) * time.Second), Source: src, Actor: "API token via cli/dev", Address: "127.0.0.1",
			Action: action, Target: target, Outcome: outcome, Reason: reason,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	long := strings.Repeat("a-very-long-task-name-", 8)
	for i := range 30 {
		switch i % 3 {
		case 0:
			add(i, model.SourceCLI, model.ActionDAGTrigger, model.DAGTarget("hello"), model.OutcomeDone, "")
		case 1:
			add(i, model.SourceCLI, model.ActionTaskClear, model.TaskTarget(int64(i), long), model.OutcomeRefused,
				"task "+long+" is running; cancel the run first, or wait for it to end before clearing it again")
		default:
			add(i, model.SourceAPI, model.ActionRunCancel, model.RunTarget(int64(i)), model.OutcomeRefused, fmt.Sprintf("unknown run %d", i))
		}
	}
	b := s.browser(t)
	b.run(t, "phone viewport", chromedp.EmulateViewport(420, 860))
	b.open(t, s.url+"/audit", "audit")
	total, _ := s.app.Store.CountAuditEvents(ctx, model.AuditFilter{}) // with serve's link and the sign-in
	b.fitsTheScreen(t, "the audit log")

	b.run(t, "choose cli, refused and a target",
		chromedp.SetValue(`[data-testid="filter-source"]`, "cli", chromedp.ByQuery),
		chromedp.SetValue(`[data-testid="filter-outcome"]`, "refused", chromedp.ByQuery),
		chromedp.SendKeys(`[data-testid="filter-target"]`, "VERY-long", chromedp.ByQuery))
	b.submitAndWait(t, `[data-testid="filter-apply"]`)
	if path := b.state(t).Path; path != "/audit?source=cli&action=&outcome=refused&target=VERY-long" {
		t.Errorf("the filter is not in the address to share: %s", path)
	}
	if got, want := b.text(t, `[data-testid="audit-count"]`), fmt.Sprintf("10 of %d events match.", total); got != want {
		t.Errorf("count = %q, want %q", got, want)
	}
	rows := b.auditRows(t)
	if len(rows) != 10 || !hasRow(rows, auditRow{Source: "cli", Action: "task.clear", Outcome: "refused", Reason: "is running; cancel the run first"}) {
		t.Errorf("filtered rows: %+v", rows)
	}
	for _, r := range rows {
		if r.Source != "cli" || r.Outcome != "refused" {
			t.Errorf("row outside the filter: %+v", r)
		}
	}
	b.fitsTheScreen(t, "the filtered log, long targets and reasons included")
	b.screenshot(t, t.ArtifactDir(), "audit-phone-filtered")

	// The same address, opened anew, shows the same selection.
	b.open(t, s.url+"/audit?source=desktop&target=hello", "audit")
	if got := b.text(t, `[data-testid="empty-state"]`); !strings.Contains(got, "No events match") ||
		!strings.Contains(got, `has source desktop and a target containing "hello".`) {
		t.Errorf("empty result does not name its filter: %q", got)
	}
	var source string
	b.run(t, "read the chosen source", chromedp.Value(`[data-testid="filter-source"]`, &source, chromedp.ByQuery))
	if source != "desktop" {
		t.Errorf("the form shows source %q, want the address's desktop", source)
	}
	b.fitsTheScreen(t, "an empty result")

	b.submitAndWait(t, `[data-testid="filter-reset"]`)
	if got, want := b.text(t, `[data-testid="audit-count"]`), fmt.Sprintf("%d events recorded.", total); got != want || b.state(t).Path != "/audit" {
		t.Errorf("after reset: %q at %s, want %q at /audit", got, b.state(t).Path, want)
	}
	b.clickAndWait(t, `[data-testid="audit-row"] .audit-target a[href="/dags/hello"]`, pageSelector("dags"))
	b.check(t, "audit filters on a phone")
}

// submitAndWait clicks sel, a link or button that loads another copy of the
// page, and waits for it to replace the one shown.
func (b *browser) submitAndWait(t *testing.T, sel string) {
	t.Helper()
	b.run(t, "click "+sel,
		chromedp.Evaluate(`document.querySelector("main").dataset.stale = "1"`, nil),
		chromedp.Click(sel, chromedp.ByQuery),
		chromedp.WaitVisible(`main:not([data-stale])`, chromedp.ByQuery))
}

// fitsTheScreen fails the test if the page is wider than the viewport.
func (b *browser) fitsTheScreen(t *testing.T, what string) {
	t.Helper()
	var width struct{ Doc, View int }
	b.run(t, "measure "+what, chromedp.Evaluate(
		`({doc: document.documentElement.scrollWidth, view: window.innerWidth})`, &width))
	if width.Doc > width.View {
		t.Errorf("%s is %d px wide on a %d px screen", what, width.Doc, width.View)
	}
}
