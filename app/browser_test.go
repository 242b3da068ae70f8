package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/components"
)

// TestBrowserVisitsEveryPage walks the sidebar in a real Chromium the way a
// user does: each click is an hx-boost swap, so this catches what the Go
// handler tests cannot — CSP violations, script errors, broken assets and
// htmx failing to update the title, the URL or the active link.
func TestBrowserVisitsEveryPage(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)
	// A temp dir that go test removes, unless run with -artifacts to keep
	// the screenshots for a look: go test -run Browser -artifacts -outputdir DIR ./app/
	shots := t.ArtifactDir()
	t.Logf("screenshots in %s", shots)

	b.open(t, s.url+"/", "overview")
	b.check(t, "first load")
	for i, item := range components.Nav {
		b.follow(t, item)
		want := pageState{
			Title: item.Title + " · meshflow", H1: item.Title, Path: item.Href,
			Current: "nav-" + item.Key, Theme: "system", Instance: "meshflow",
		}
		if got := b.state(t); got != want {
			t.Errorf("after clicking %s:\n got %+v\nwant %+v", item.Title, got, want)
		}
		b.screenshot(t, shots, fmt.Sprintf("%02d-%s", i+1, item.Key))
		b.check(t, item.Title)
	}

	// A mistyped address: the 404 is the point, so it is excused.
	missing := s.url + "/no-such-page"
	b.expect(missing, http.StatusNotFound)
	b.open(t, missing, "error") // error pages belong to no section
	want := pageState{
		Title: "Page not found · meshflow", H1: "Page not found", Path: "/no-such-page",
		Theme: "system", Instance: "meshflow",
	}
	if got := b.state(t); got != want {
		t.Errorf("unknown URL:\n got %+v\nwant %+v", got, want)
	}
	b.screenshot(t, shots, "99-not-found")
	b.check(t, "404 page")
	b.checkExpected(t)
}

// TestBrowserSettingsSaveIsAudited saves the settings through the form and
// follows the change to everywhere it must show: the flash, the sidebar, the
// theme on <html>, the database and the audit log.
func TestBrowserSettingsSaveIsAudited(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)
	const name = "lab bench"

	b.open(t, s.url+"/settings", "settings")
	b.submitSettings(t, name, model.ThemeDark)
	b.run(t, "wait for the saved flash", chromedp.WaitVisible(`[data-testid="flash"]`, chromedp.ByQuery))
	want := pageState{
		Title: "Settings · " + name, H1: "Settings", Path: "/settings?saved=1",
		Current: "nav-settings", Theme: "dark", Instance: name, Flash: "Settings saved.",
	}
	if got := b.state(t); got != want {
		t.Errorf("after saving:\n got %+v\nwant %+v", got, want)
	}
	wantSaved(t, s, model.Settings{InstanceName: name, Theme: model.ThemeDark})
	b.screenshot(t, t.ArtifactDir(), "settings-saved-dark")
	b.check(t, "save settings")

	b.follow(t, navItem(t, "audit"))
	if !hasRow(b.auditRows(t), auditRow{Source: "ui", Who: "at 127.0.0.1", Action: "settings.save", Target: "settings preferences", Outcome: "done"}) {
		t.Errorf("audit log has no successful settings.save from 127.0.0.1: %+v", b.auditRows(t))
	}
	b.screenshot(t, t.ArtifactDir(), "audit-dark")
	b.check(t, "audit after save")
}

// TestBrowserSettingsRejectsEmptyName submits a blank instance name. The
// input is `required`, so the browser itself refuses an empty one; spaces get
// past it and are what the server's own check exists for.
func TestBrowserSettingsRejectsEmptyName(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)

	b.open(t, s.url+"/settings", "settings")
	b.expect(s.url+"/settings", http.StatusUnprocessableEntity) // the form, back with its errors
	b.submitSettings(t, "   ", model.ThemeDark)
	b.run(t, "wait for the field error",
		chromedp.WaitVisible(`[data-testid="error-instance_name"]`, chromedp.ByQuery))
	// Nothing saved: neither the bad name nor the good theme beside it.
	want := pageState{
		Title: "Settings · meshflow", H1: "Settings", Path: "/settings",
		Current: "nav-settings", Theme: "system", Instance: "meshflow",
		Flash:      "Nothing was saved: fix the fields marked below.",
		FieldError: `Give the instance a name, e.g. "laptop" or "lab".`,
	}
	if got := b.state(t); got != want {
		t.Errorf("after submitting a blank name:\n got %+v\nwant %+v", got, want)
	}
	wantSaved(t, s, model.DefaultSettings())
	b.screenshot(t, t.ArtifactDir(), "settings-blank-name")
	b.check(t, "submit blank name")
	b.checkExpected(t)

	// Refused attempts are on record too.
	b.follow(t, navItem(t, "audit"))
	if !hasRow(b.auditRows(t), auditRow{Source: "ui", Action: "settings.save", Target: "settings preferences", Outcome: "refused", Reason: "instance_name: give the instance a name"}) {
		t.Errorf("audit log has no refused settings.save: %+v", b.auditRows(t))
	}
	b.check(t, "audit after refusal")
}

// TestBrowserWatcherCatchesCSPViolations makes sure the watcher the tests
// above rely on would notice a violation; a watcher that never fires would
// let every page pass.
func TestBrowserWatcherCatchesCSPViolations(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)
	b.open(t, s.url+"/", "overview")
	b.check(t, "first load")

	// What a careless template change would do: an inline script.
	b.run(t, "inject inline script", chromedp.Evaluate(
		`document.body.appendChild(Object.assign(document.createElement("script"), {text: "1"}))`, nil))

	// The report arrives as an event, after the evaluation returns.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if problems, _ := b.take(); len(problems) > 0 {
			t.Logf("reported as: %q", problems)
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("an inline script ran past the content security policy unreported")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wantSaved checks what the database holds, beneath what the page shows.
func wantSaved(t *testing.T, s site, want model.Settings) {
	t.Helper()
	got, err := s.app.Store.Settings(t.Context())
	if err != nil {
		t.Fatalf("read settings: %v", err)
	}
	if got != want {
		t.Errorf("saved settings = %+v, want %+v", got, want)
	}
}

// navItem finds a sidebar entry by key, so the tests follow the real Nav.
func navItem(t *testing.T, key string) components.NavItem {
	t.Helper()
	for _, item := range components.Nav {
		if item.Key == key {
			return item
		}
	}
	t.Fatalf("no %q entry in components.Nav", key)
	return components.NavItem{}
}

// slowDAG runs long enough for its run page to be loaded while it is still
// running, so the live refresh is what shows it succeed.
const slowDAG = `name: slow
description: Waits a little, then reports.
tasks:
  - id: wait
    op: shell
    with:
      command: sleep 1.5; echo "done waiting"
  - id: report
    op: shell
    needs: [wait]
    with:
      command: echo "report written"
`

// TestBrowserTriggersHelloAndWatchesItRun goes the way a user does from the
// DAG list to a finished run: open hello, trigger it with a param typed into
// the generated form, land on the run page, and read the greeting in its
// logs; then the grid and code views, the pause toggle, and a slower run
// followed live until it ends.
func TestBrowserTriggersHelloAndWatchesItRun(t *testing.T) {
	s := startSiteWith(t, map[string]string{"slow.yaml": slowDAG, "broken.yaml": brokenDAG})
	b := s.browser(t)
	shots := t.ArtifactDir()

	b.open(t, s.url+"/dags", "dags")
	b.waitVisible(t, `tbody[data-dag="hello"]`)
	if got := b.text(t, `tbody[data-dag="broken"] [data-testid="dag-error"]`); !strings.Contains(got, "broken.yaml:5") {
		t.Errorf("the broken file's error block = %q, want its file:line", got)
	}
	b.screenshot(t, shots, "dags")
	b.check(t, "DAG list")

	b.clickAndWait(t, `tbody[data-dag="hello"] a.dag-name`, `[data-testid="graph-view"]`)
	b.screenshot(t, shots, "dag-hello-graph")
	b.check(t, "hello's page")

	const who = "browser test"
	b.run(t, "fill in and submit the trigger form",
		chromedp.Clear(`#param-who`, chromedp.ByQuery),
		chromedp.SendKeys(`#param-who`, who, chromedp.ByQuery),
		chromedp.Click(`[data-testid="trigger-submit"]`, chromedp.ByQuery),
	)
	b.waitVisible(t, `[data-testid="run-live"][data-state="success"]`)
	if got := b.text(t, `[data-testid="log"][data-task="greet"] [data-testid="logview"]`); !strings.Contains(got, "hello, "+who) {
		t.Errorf("greet's log = %q, want the greeting for %q", got, who)
	}
	if got := b.text(t, `[data-testid="run-facts"]`); !strings.Contains(got, "who="+who) {
		t.Errorf("run facts %q do not show the param", got)
	}
	b.screenshot(t, shots, "run-hello-success")
	b.check(t, "hello's run")

	b.clickAndWait(t, `[data-testid="run-facts"] a[href="/dags/hello"]`, `[data-testid="graph-view"] [data-testid="graph-run"] .state`)
	if n := b.count(t, `svg.graph .node.st-success`); n != 5 {
		t.Errorf("graph shows %d tasks succeeded, want 5", n)
	}
	b.screenshot(t, shots, "dag-hello-graph-after-run")
	b.clickAndWait(t, `[data-testid="tab-grid"]`, `[data-testid="grid"] a.cell.st-success`)
	b.screenshot(t, shots, "dag-hello-grid")
	b.clickAndWait(t, `[data-testid="tab-code"]`, `[data-testid="code-view"] .tok-key`)
	b.screenshot(t, shots, "dag-hello-code")
	b.check(t, "hello's views")

	b.open(t, s.url+"/dags", "dags")
	b.clickAndWait(t, `tbody[data-dag="hello"] [data-testid="pause-toggle"]`, `tbody[data-dag="hello"] .toggle.off`)
	b.check(t, "pause hello")

	watchSlowRun(t, b, s.url, shots)
	repairFailedRun(t, b, s.url, shots)
}

// brokenDAG names an op that does not exist.
const brokenDAG = `name: broken
description: Has a typo.
tasks:
  - id: a
    op: shel
`

// repairFailedRun runs cleanup-on-failure, retries its failed task, then
// marks it success by hand: the actions of the run page, on the real engine.
func repairFailedRun(t *testing.T, b *browser, url, shots string) {
	t.Helper()
	b.open(t, url+"/dags/cleanup-on-failure", "dags")
	b.run(t, "trigger cleanup-on-failure", chromedp.Click(`[data-testid="trigger-submit"]`, chromedp.ByQuery))
	b.waitVisible(t, `[data-testid="run-live"][data-state="failed"] [data-testid="run-retry-failed"]`)
	b.screenshot(t, shots, "run-failed")

	// Each action asks first, listing the tasks it changes; only the
	// answer acts.
	b.clickAndWait(t, `[data-testid="run-retry-failed"]`, `[data-testid="confirmation"]`)
	if got := b.count(t, `[data-testid="confirm-item"][data-name="work"]`) + b.count(t, `[data-testid="confirm-item"][data-name="cleanup"]`); got != 2 {
		t.Errorf("the retry confirmation lists %d of work and cleanup, want both", got)
	}
	if got := b.count(t, `[data-testid="confirm-item"][data-name="setup"]`); got != 0 {
		t.Error("the retry confirmation lists setup, which succeeded and does not run again")
	}
	b.clickAndWait(t, `[data-testid="confirm"]`, `[data-testid="flash"]`)
	if got := b.text(t, `[data-testid="flash"]`); !strings.Contains(got, "Retrying the failed tasks") {
		t.Errorf("flash after retry = %q", got)
	}
	b.waitVisible(t, `[data-testid="run-live"][data-state="failed"] [data-testid="task-row"][data-task="work"] [data-testid="task-mark-success"]`)
	if got := b.text(t, `[data-testid="task-row"][data-task="work"] td:nth-child(3)`); !strings.HasPrefix(got, "2/") {
		t.Errorf("work's try after the retry = %q, want its second", got)
	}
	// Every try is in the timeline: work failed twice.
	if got := b.count(t, `[data-testid="gantt"] rect.bar[data-task="work"]`); got != 2 {
		t.Errorf("the timeline draws %d tries of work, want 2", got)
	}
	if got := b.count(t, `[data-testid="gantt"] rect.bar[data-task="work"][data-state="failed"]`); got != 2 {
		t.Errorf("the timeline draws %d failed tries of work, want 2", got)
	}
	b.clickAndWait(t, `[data-testid="task-row"][data-task="work"] [data-testid="task-mark-success"]`, `[data-testid="confirmation"]`)
	b.clickAndWait(t, `[data-testid="confirm"]`, `[data-testid="run-live"][data-state="success"]`)
	b.screenshot(t, shots, "run-repaired")
	b.check(t, "retry and mark success")

	// A clear lists setup and everything after it; keeping things as they
	// are changes nothing.
	b.clickAndWait(t, `[data-testid="task-row"][data-task="setup"] [data-testid="task-clear"]`, `[data-testid="confirmation"]`)
	if got := b.count(t, `[data-testid="confirm-item"]`); got != 3 {
		t.Errorf("clearing setup lists %d tasks, want setup, work and cleanup", got)
	}
	b.screenshot(t, shots, "confirm-clear")
	b.clickAndWait(t, `[data-testid="confirm-back"]`, `[data-testid="run-live"][data-state="success"]`)
	b.clickAndWait(t, `[data-testid="task-row"][data-task="setup"] [data-testid="task-clear"]`, `[data-testid="confirmation"]`)
	b.clickAndWait(t, `[data-testid="confirm"]`, `[data-testid="flash"]`)
	b.waitVisible(t, `[data-testid="run-live"][data-state="failed"] [data-testid="task-row"][data-task="work"][data-state="failed"]`)
	// The cleared tasks' earlier tries stay: work has failed three times.
	if got := b.count(t, `[data-testid="gantt"] rect.bar[data-task="work"]`); got != 3 {
		t.Errorf("after the clear the timeline draws %d tries of work, want all 3", got)
	}
	b.check(t, "clear")

	b.follow(t, navItem(t, "audit"))
	for _, action := range []string{"dag.trigger", "run.retry_failed", "task.mark_success"} {
		if !hasRow(b.auditRows(t), auditRow{Source: "ui", Who: "browser session ", Action: action, Outcome: "done", Target: auditTarget(b.auditRows(t), action)}) {
			t.Errorf("audit log has no successful %s: %+v", action, b.auditRows(t))
		}
	}
	b.check(t, "audit after the run actions")
}

// auditTarget is the target of the newest row with action, so rows can be
// matched without knowing the run's id.
func auditTarget(rows []auditRow, action string) string {
	for _, r := range rows {
		if r.Action == action {
			return r.Target
		}
	}
	return ""
}

// watchSlowRun triggers the slow DAG and follows its run page from running
// to success without reloading it.
func watchSlowRun(t *testing.T, b *browser, url, shots string) {
	t.Helper()
	b.open(t, url+"/dags/slow", "dags")
	b.run(t, "trigger slow", chromedp.Click(`[data-testid="trigger-submit"]`, chromedp.ByQuery))
	b.waitVisible(t, `[data-testid="run-live"]`)
	var first string
	b.run(t, "read the run's state", chromedp.Evaluate(
		`document.querySelector('[data-testid="run-live"]').dataset.state`, &first))
	if first != "running" && first != "queued" {
		t.Fatalf("the run page opened on a run already %s: nothing left to watch", first)
	}
	// The page streams the run's changes instead of polling for them.
	if n := b.count(t, `[data-testid="run-live"][sse-connect]`); n != 1 {
		t.Errorf("the active run's page has %d streams, want 1", n)
	}
	if n := b.count(t, `[data-testid="poller"]`); n != 0 {
		t.Errorf("the streaming run page also polls (%d pollers)", n)
	}
	b.screenshot(t, shots, "run-slow-running")
	b.waitVisible(t, `[data-testid="run-live"][data-state="success"]`)
	if n := b.count(t, `[data-testid="poller"], [sse-connect]`); n != 0 {
		t.Errorf("the ended run's page still listens (%d pollers and streams)", n)
	}
	if got := b.text(t, `[data-testid="log"][data-task="report"] [data-testid="logview"]`); !strings.Contains(got, "report written") {
		t.Errorf("report's log = %q", got)
	}
	b.screenshot(t, shots, "run-slow-success")
	b.check(t, "slow run, live")
	watchSlowGraph(t, b, url, shots)
}

// watchSlowGraph follows another slow run on the DAG's graph, which
// streams the colours until the run ends.
func watchSlowGraph(t *testing.T, b *browser, url, shots string) {
	t.Helper()
	b.open(t, url+"/dags/slow", "dags")
	b.run(t, "trigger slow again", chromedp.Click(`[data-testid="trigger-submit"]`, chromedp.ByQuery))
	b.waitVisible(t, `[data-testid="run-live"]`)
	b.clickAndWait(t, `[data-testid="run-facts"] a[href="/dags/slow"]`, `[data-testid="graph-view"]`)
	b.waitVisible(t, `svg.graph .node[data-task="report"][data-state="success"]`)
	if n := b.count(t, `[data-testid="poller"], [sse-connect]`); n != 0 {
		t.Errorf("the graph of an ended run still listens (%d pollers and streams)", n)
	}
	b.screenshot(t, shots, "dag-slow-graph-success")
	b.check(t, "slow run, on the graph")
}
