package app_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the test's expectations must not depend on the host's zone files

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/model"
)

// phonePages are the pages checked at phone width, after a run of
// cleanup-on-failure (run 1) has failed: every section, each view of a
// DAG, a run, a confirmation, an error page, and the lists filtered, to
// some runs and to none.
var phonePages = []struct{ path, key string }{
	{"/", "overview"},
	{"/dags", "dags"},
	{"/dags?q=clean&tag=example&status=active", "dags"},
	{"/dags?q=nothing-matches", "dags"},
	{"/dags/cleanup-on-failure", "dags"},
	{"/dags/cleanup-on-failure?view=grid", "dags"},
	{"/dags/cleanup-on-failure?view=code", "dags"},
	{"/runs", "runs"},
	{"/runs?dag=cleanup-on-failure&state=failed&trigger=manual&from=2020-01-01&to=2099-12-31", "runs"},
	{"/runs?tag=nope", "runs"},
	{"/runs/1", "runs"},
	{"/runs/1/tasks/setup/clear", "runs"},
	{"/variables", "variables"},
	{"/connections", "connections"},
	{"/connections?add=openstack", "connections"},
	{"/connections?edit=jetstream2-long-name", "connections"},
	{"/connections/jetstream2-long-name/delete", "connections"},
	{"/settings", "settings"},
	{"/audit", "audit"},
}

// On a 420 px phone no page is wider than the screen: tables scroll inside
// their panels, and the navigation folds behind a Menu button that opens
// it. Checked in both themes.
func TestBrowserPhoneLayoutFitsTheScreen(t *testing.T) {
	s := startSiteWith(t, map[string]string{"scheduled.yaml": scheduledDAG})
	b := s.browser(t)
	shots := t.ArtifactDir()
	runToFailure(t, b, s.url)
	addPhoneConnections(t, s.app)

	b.run(t, "phone viewport", chromedp.EmulateViewport(420, 860))
	for _, scheme := range []string{"light", "dark"} {
		b.run(t, "colour scheme "+scheme, emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{
			{Name: "prefers-color-scheme", Value: scheme},
		}))
		for _, p := range phonePages {
			b.open(t, s.url+p.path, p.key)
			b.fitsWidth(t, p.path+" ("+scheme+")")
			if scheme == "light" {
				b.screenshot(t, shots, "phone"+strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(p.path))
			}
		}
	}
	b.check(t, "phone pages")

	// The DAG list reflows into cards: every DAG's schedule switch is on
	// the screen, not scrolled off to its right.
	b.open(t, s.url+"/dags", "dags")
	var toggles struct{ Count, Outside int }
	b.run(t, "find the schedule switches", chromedp.Evaluate(`(() => {
		const all = [...document.querySelectorAll('[data-testid="pause-toggle"]')];
		return {count: all.length, outside: all.filter(el => { const r = el.getBoundingClientRect(); return r.width === 0 || r.right > window.innerWidth; }).length};
	})()`, &toggles))
	if toggles.Count == 0 || toggles.Outside > 0 {
		t.Errorf("%d of %d schedule switches are off a 420 px screen", toggles.Outside, toggles.Count)
	}

	// The links are folded away until Menu is pressed.
	b.open(t, s.url+"/runs", "runs")
	if b.visible(t, `[data-testid="nav-dags"]`) {
		t.Error("the navigation's links show above the page on a phone; they belong behind Menu")
	}
	b.run(t, "open the menu", chromedp.Click(`[data-testid="nav-button"]`, chromedp.ByQuery))
	b.waitVisible(t, `[data-testid="nav-dags"]`)
	b.clickAndWait(t, `[data-testid="nav-dags"]`, pageSelector("dags"))
	b.check(t, "phone menu")
}

// fitsWidth fails the test if the page is wider than the screen, naming
// the innermost elements that stick out.
func (b *browser) fitsWidth(t *testing.T, what string) {
	t.Helper()
	var width struct{ Doc, View int }
	b.run(t, "measure "+what, chromedp.Evaluate(
		`({doc: document.documentElement.scrollWidth, view: window.innerWidth})`, &width))
	if width.Doc > width.View {
		var wide []string
		b.run(t, "find what is too wide", chromedp.Evaluate(`[...document.querySelectorAll("main *")]
			.filter(el => el.getBoundingClientRect().right > window.innerWidth && ![...el.querySelectorAll("*")].some(c => c.getBoundingClientRect().right > window.innerWidth))
			.slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).replace(/ /g, ".") : "") + " " + Math.round(el.getBoundingClientRect().right) + "px")`, &wide))
		t.Errorf("%s is %d px wide on a %d px screen; too wide: %v", what, width.Doc, width.View, wide)
	}
}

// scheduledDAG is the widest row of a DAG list: a long name, tags, a
// schedule in words and a long zone name. It runs once a quarter, so never
// during the test.
const scheduledDAG = `name: quarterly-warehouse-reconciliation
description: Reconciles the warehouse ledgers with the shop's orders.
tags: [finance, warehouse, quarterly]
schedule: "30 2 1 */3 *"
timezone: America/Argentina/Buenos_Aires
tasks:
  - id: reconcile
    op: noop
`

// runToFailure triggers cleanup-on-failure from its page and waits for
// the run to fail, as its work task always does.
func runToFailure(t *testing.T, b *browser, url string) {
	t.Helper()
	b.open(t, url+"/dags/cleanup-on-failure", "dags")
	b.run(t, "trigger cleanup-on-failure", chromedp.Click(`[data-testid="trigger-submit"]`, chromedp.ByQuery))
	b.waitVisible(t, `[data-testid="run-live"][data-state="failed"]`)
}

// A browser in New York reads times in New York time, and is told so,
// whatever zone the server runs in.
func TestBrowserShowsTimesInTheBrowsersZone(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)
	const zone = "America/New_York"
	b.run(t, "browser in "+zone, emulation.SetTimezoneOverride(zone))
	runToFailure(t, b, s.url)
	b.open(t, s.url+"/runs", "runs")

	var shown struct{ Datetime, Text, Title, Zone string }
	b.run(t, "read a start time", chromedp.Evaluate(`(() => {
		const el = document.querySelector('[data-testid="run-row"] time[data-t="abs"]') ?? document.querySelector('time[data-t="abs"]');
		return {datetime: el.getAttribute("datetime"), text: el.textContent, title: el.title,
			zone: document.querySelector('[data-testid="time-zone"]').textContent};
	})()`, &shown))
	at, err := time.Parse(time.RFC3339, shown.Datetime)
	if err != nil {
		t.Fatalf("datetime %q: %v", shown.Datetime, err)
	}
	ny, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	if want := at.In(ny).Format("2006-01-02 15:04:05"); shown.Text != want {
		t.Errorf("a start time reads %q, want %q, New York's time of %s", shown.Text, want, shown.Datetime)
	}
	if shown.Zone != zone {
		t.Errorf("the page says times are in %q, want %s", shown.Zone, zone)
	}
	abbr, _ := at.In(ny).Zone()
	if !strings.Contains(shown.Title, abbr+" ("+zone+") · ") || !strings.Contains(shown.Title, "ago") && !strings.Contains(shown.Title, "just now") {
		t.Errorf("the hover reads %q, want the zone (%s) and how long ago", shown.Title, abbr)
	}

	// A grid cell's tooltip names its start in New York time too.
	b.open(t, s.url+"/dags/cleanup-on-failure?view=grid", "dags")
	var cell struct{ At, Title string }
	b.run(t, "read a grid cell's tooltip", chromedp.Evaluate(`(() => {
		const el = document.querySelector('[data-testid="grid-cell"][data-at]');
		return {at: el.getAttribute("data-at"), title: el.title};
	})()`, &cell))
	started, err := time.Parse(time.RFC3339, cell.At)
	if err != nil {
		t.Fatalf("grid cell data-at %q: %v", cell.At, err)
	}
	local := started.In(ny)
	if abbr, _ := local.Zone(); !strings.Contains(cell.Title, "started "+local.Format("2006-01-02 15:04:05")+" "+abbr+" · ") {
		t.Errorf("a grid cell's tooltip reads %q, want its start in New York time (%s)", cell.Title, local.Format("2006-01-02 15:04:05 MST"))
	}
	b.check(t, "times in "+zone)
}

// Every state badge's text stands out from its colour by WCAG AA's 4.5:1,
// in both themes, as the browser computes the stylesheet's colours.
func TestBrowserStateBadgesMeetContrast(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)
	states := []string{
		"queued", "running", "success", "failed", "up_for_retry", "upstream_failed", "skipped", "cancelled",
		// VM states
		"pending", "rebooting", "resizing", "stopping", "deleting", "stopped", "deleted", "suspended", "unknown", "error",
	}
	for _, theme := range []string{"light", "dark"} {
		b.open(t, s.url+"/runs", "runs")
		var colours []struct{ State, Fg, Bg string }
		b.run(t, "badge colours in "+theme, chromedp.Evaluate(fmt.Sprintf(`(() => {
			document.documentElement.dataset.theme = %q;
			return %s.map(st => {
				const el = document.createElement("span");
				el.className = "state st-" + st;
				el.textContent = st;
				document.querySelector("main").append(el);
				const cs = getComputedStyle(el);
				return {state: st, fg: cs.color, bg: cs.backgroundColor};
			});
		})()`, theme, jsList(states)), &colours))
		if len(colours) != len(states) {
			t.Fatalf("%s: read %d badges", theme, len(colours))
		}
		for _, c := range colours {
			ratio := contrast(t, c.Fg, c.Bg)
			if ratio < 4.5 {
				t.Errorf("%s theme: %s badge %s on %s is %.2f:1, below 4.5:1", theme, c.State, c.Fg, c.Bg, ratio)
			}
		}
	}
}

// Every colour a log line can take — its number, time, stderr mark, and
// the sixteen terminal colours on their own or as backgrounds under the
// default text — stands out by 4.5:1 from both line backgrounds (stdout
// and the stderr tint), as the browser computes the stylesheet.
func TestBrowserLogColoursMeetContrast(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)
	b.open(t, s.url+"/runs", "runs")
	var pairs []struct{ Name, Fg, Bg string }
	b.run(t, "log colours", chromedp.Evaluate(`(() => {
		const view = document.createElement("div");
		view.className = "logview";
		document.querySelector("main").append(view);
		const out = [];
		for (const err of [false, true]) {
			const ln = document.createElement("div");
			ln.className = err ? "ln err" : "ln";
			view.append(ln);
			const lineBg = getComputedStyle(err ? ln : view).backgroundColor;
			const probe = (name, cls, bg) => {
				const el = document.createElement("span");
				el.className = cls;
				el.textContent = name;
				ln.append(el);
				const cs = getComputedStyle(el);
				out.push({name: name + (err ? " on stderr" : ""), fg: cs.color, bg: bg ? cs.backgroundColor : lineBg});
			};
			probe("text", "ln-x");
			probe("number", "ln-n");
			probe("time", "ln-t");
			probe("stderr mark", "ln-s");
			for (let i = 0; i < 16; i++) {
				probe("colour " + i, "a-f" + i);
				probe("background " + i, "a-g" + i, true);
			}
		}
		return out;
	})()`, &pairs))
	if len(pairs) != 2*(4+32) {
		t.Fatalf("read %d colour pairs", len(pairs))
	}
	for _, p := range pairs {
		if ratio := contrast(t, p.Fg, p.Bg); ratio < 4.5 {
			t.Errorf("log %s: %s on %s is %.2f:1, below 4.5:1", p.Name, p.Fg, p.Bg, ratio)
		}
	}
}

func jsList(xs []string) string {
	return `["` + strings.Join(xs, `","`) + `"]`
}

// contrast is the WCAG contrast ratio of two CSS colours as browsers
// compute them, "rgb(r, g, b)".
func contrast(t *testing.T, a, b string) float64 {
	t.Helper()
	la, lb := luminance(t, a), luminance(t, b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(t *testing.T, css string) float64 {
	t.Helper()
	var r, g, b float64
	if _, err := fmt.Sscanf(css, "rgb(%f, %f, %f)", &r, &g, &b); err != nil {
		t.Fatalf("colour %q is not opaque rgb(): %v", css, err)
	}
	lin := func(c float64) float64 {
		c /= 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// addPhoneConnections adds connections whose long URLs and many secrets
// would widen the Connections page if its table did not scroll.
func addPhoneConnections(t *testing.T, a *app.App) {
	t.Helper()
	for _, c := range []model.Connection{
		{Name: "jetstream2-long-name", Kind: model.CloudOpenStack, Active: true, Settings: map[string]string{
			model.SettingAuthURL: "https://js2.jetstream-cloud.org:5000/identity/v3/with/a/long/path", model.SettingRegion: "IU",
			model.SettingApplicationCredentialID: "0123456789abcdef0123456789abcdef",
		}, Secrets: map[string]string{model.SecretApplicationCredential: "s"}},
		{Name: "aws-lab", Kind: model.CloudAWS, Active: true, Settings: map[string]string{
			model.SettingRegion: "us-east-1", model.SettingAccessKeyID: "AKIAEXAMPLE", model.SettingEndpoint: "https://ec2.a-very-long-compatible-cloud.example.org",
		}, Secrets: map[string]string{model.SecretAccessKey: "s", model.SecretSessionToken: "t"}},
	} {
		if _, err := a.Connections().Add(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
}
