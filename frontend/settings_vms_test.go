package frontend_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// The VM settings save whole or not at all: a pattern with a placeholder
// meshflow does not know comes back as typed, with the known ones listed,
// and nothing is stored; a good form is stored and audited.
func TestSaveVMSettings(t *testing.T) {
	f := newFixture(t, false)
	bad := url.Values{"name_pattern": {"{user}-{host}-{counter}"}, "stop_after_hours": {"-3"}, "warning_minutes": {"30"}}
	rec := f.do(t, "POST", "/settings/vms", bad, nil)
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad form = %d, want 422", rec.Code)
	}
	doc := parse(t, rec)
	if msg := doc.Find(`[data-testid="error-name_pattern"]`).Text(); !strings.Contains(msg, "{host}") || !strings.Contains(msg, "{user}, {prefix}, {connection}, {counter}") {
		t.Errorf("pattern error = %q", msg)
	}
	if msg := doc.Find(`[data-testid="error-stop_after_hours"]`).Text(); !strings.Contains(msg, "whole number of hours") {
		t.Errorf("hours error = %q", msg)
	}
	if v, _ := doc.Find(`#name_pattern`).Attr("value"); v != "{user}-{host}-{counter}" {
		t.Errorf("the pattern typed came back as %q", v)
	}
	if got, _ := f.store.VMSettings(t.Context()); got != model.DefaultVMSettings() {
		t.Fatalf("a refused form stored %+v", got)
	}

	good := url.Values{"name_pattern": {"{prefix}-{counter}"}, "stop_after_hours": {"8"}, "warning_minutes": {"45"}}
	if rec := f.do(t, "POST", "/settings/vms", good, nil); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/settings?saved=vms" {
		t.Fatalf("save = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	want := model.VMSettings{NamePattern: "{prefix}-{counter}", StopForgottenAfter: 8 * time.Hour, StopWarning: 45 * time.Minute}
	if got, err := f.store.VMSettings(t.Context()); err != nil || got != want {
		t.Fatalf("stored %+v (%v), want %+v", got, err, want)
	}
	page := parse(t, f.do(t, "GET", "/settings?saved=vms", nil, nil))
	if v, _ := page.Find(`#stop_after_hours`).Attr("value"); v != "8" || !strings.Contains(page.Find(`[data-testid="vm-flash"]`).Text(), "saved") {
		t.Errorf("the page after the save shows %q", v)
	}
	audit := parse(t, f.do(t, "GET", "/audit", nil, nil)).Find(`[data-testid="audit-table"] tbody`).Text()
	if !strings.Contains(audit, "settings vms") || !strings.Contains(audit, "refused") {
		t.Errorf("audit = %q", audit)
	}
}
