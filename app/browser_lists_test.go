package app_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// A browser in New York filters runs by New York's days: the form sends
// the browser's zone with the days, the address keeps the whole filter,
// and the back button returns to the list before it.
func TestBrowserFiltersRunsByDayInTheBrowsersZone(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)
	const zone = "America/New_York"
	ny, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	b.run(t, "browser in "+zone, emulation.SetTimezoneOverride(zone))
	runToFailure(t, b, s.url)

	b.open(t, s.url+"/runs", "runs")
	if got := b.text(t, `[data-testid="filter-zone"] span`); got != zone {
		t.Errorf("the filter reads days in %q, want the browser's %s", got, zone)
	}
	today := time.Now().In(ny).Format("2006-01-02")
	b.run(t, "filter to today's failed runs of cleanup-on-failure",
		chromedp.SetValue(`[data-testid="filter-dag"]`, "cleanup-on-failure", chromedp.ByQuery),
		chromedp.SetValue(`[data-testid="filter-from"]`, today, chromedp.ByQuery),
		chromedp.SetValue(`[data-testid="filter-to"]`, today, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector("main").dataset.stale = "1"`, nil),
		chromedp.Click(`[data-testid="filter-submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible(pageSelector("runs")+":not([data-stale])", chromedp.ByQuery),
	)
	st := b.state(t)
	u, err := url.Parse(st.Path)
	if err != nil || u.Path != "/runs" {
		t.Fatalf("the address after filtering is %q", st.Path)
	}
	q := u.Query()
	if q.Get("dag") != "cleanup-on-failure" || q.Get("from") != today || q.Get("to") != today || q.Get("tz") != zone {
		t.Errorf("the address keeps %v, want the DAG, today's date twice and tz=%s", q, zone)
	}
	if got := b.text(t, `[data-testid="filter-count"]`); got != "1 of 1 run" {
		t.Errorf("the count reads %q, want 1 of 1 run", got)
	}
	if n := b.count(t, `[data-testid="run-row"]`); n != 1 {
		t.Errorf("%d runs shown, want the one of today", n)
	}

	// A tab keeps the filter and changes the state alone.
	b.clickAndWait(t, `[data-testid="filter-success"]`, `[data-testid="filter-success"][aria-current]`)
	b.waitVisible(t, `[data-testid="filter-empty"]`)
	if got := b.text(t, `[data-testid="filter-empty"] p`); !strings.Contains(got, "No success runs of cleanup-on-failure on ") {
		t.Errorf("the empty list reads %q", got)
	}

	b.run(t, "back", chromedp.NavigateBack(), chromedp.WaitVisible(`[data-testid="run-row"]`, chromedp.ByQuery))
	if got := b.text(t, `[data-testid="filter-count"]`); got != "1 of 1 run" {
		t.Errorf("after back the count reads %q, want the filtered list's 1 of 1 run", got)
	}
	b.check(t, "runs filtered in "+zone)
}
