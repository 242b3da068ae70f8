package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/meshflow/meshflow/backend/model"
)

// TestBrowserVMSettings saves the VM settings through the Settings page
// in Chromium: a naming pattern with a placeholder meshflow does not know
// comes back marked, the known ones listed, nothing saved; fixed, the
// pattern and the forgotten-VM stop are saved and shown back.
func TestBrowserVMSettings(t *testing.T) {
	s := startSite(t)
	b := s.browser(t)
	b.open(t, s.url+"/settings", "settings")
	b.expect(s.url+"/settings/vms", http.StatusUnprocessableEntity)
	fill := func(pattern, hours string) {
		t.Helper()
		b.run(t, "fill in and submit the VM settings",
			chromedp.Clear(`#name_pattern`, chromedp.ByQuery),
			chromedp.SendKeys(`#name_pattern`, pattern, chromedp.ByQuery),
			chromedp.Clear(`#stop_after_hours`, chromedp.ByQuery),
			chromedp.SendKeys(`#stop_after_hours`, hours, chromedp.ByQuery),
		)
		// Wait for the answer's page: reading the old one while it is
		// replaced finds nodes that are gone.
		b.submitAndWait(t, `#vm-settings-form button[type="submit"]`)
	}
	fill("{user}-{host}-{counter}", "8")
	var msg string
	b.run(t, "read the field error",
		chromedp.WaitVisible(`[data-testid="error-name_pattern"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="error-name_pattern"]`, &msg, chromedp.ByQuery))
	if !strings.Contains(msg, "{host}") || !strings.Contains(msg, "{user}, {prefix}, {connection}, {counter}") {
		t.Errorf("the pattern's error = %q", msg)
	}
	if got, _ := s.app.Store.VMSettings(t.Context()); got != model.DefaultVMSettings() {
		t.Fatalf("a refused form saved %+v", got)
	}
	b.check(t, "refused VM settings")

	fill("{prefix}-{counter}", "8")
	var flash, hours string
	b.run(t, "read the saved page",
		chromedp.WaitVisible(`[data-testid="vm-flash"]`, chromedp.ByQuery),
		chromedp.Text(`[data-testid="vm-flash"]`, &flash, chromedp.ByQuery),
		chromedp.Value(`#stop_after_hours`, &hours, chromedp.ByQuery))
	if flash != "VM settings saved." || hours != "8" {
		t.Errorf("after the save: flash %q, hours %q", flash, hours)
	}
	want := model.VMSettings{NamePattern: "{prefix}-{counter}", StopForgottenAfter: 8 * time.Hour, StopWarning: time.Hour}
	if got, err := s.app.Store.VMSettings(t.Context()); err != nil || got != want {
		t.Errorf("saved %+v (%v), want %+v", got, err, want)
	}
	b.check(t, "saved VM settings")
	b.checkExpected(t)
}
