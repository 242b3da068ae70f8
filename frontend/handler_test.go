package frontend_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

// do sends one request the way a same-origin browser would.
func (f *fixture) do(t *testing.T, method, target string, form url.Values, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr = "127.0.0.1:51234"
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

func TestPages(t *testing.T) {
	tests := []struct {
		name        string
		path        string
		status      int
		contains    []string
		notContains []string
	}{
		{
			"overview shows the installation", "/", 200,
			[]string{"<h1>Overview</h1>", "v9.8.7", "hello.yaml", "nightly.yml", "schema version", "127.0.0.1:8080", `aria-current="page"`},
			[]string{"notes.txt"},
		},
		{"vms empty state", "/vms", 200, []string{"<h1>VMs</h1>", "No VMs yet", "AWS, Azure and OpenStack"}, nil},
		{"storage empty state", "/storage", 200, []string{"<h1>Storage</h1>", "Azure Blob"}, nil},
		{"runs empty state", "/runs", 200, []string{"<h1>Runs</h1>", "No runs yet"}, nil},
		{"connections empty state", "/connections", 200, []string{"<h1>Connections</h1>", "No connections yet", "encrypted at rest", `name="secret.secret_access_key"`, "Master key: <span class=\"wrap-anywhere\">key file"}, nil},
		{
			"variables empty state and form", "/variables", 200,
			[]string{"<h1>Variables</h1>", "No variables yet", `name="name"`, `name="secret"`, "{{ .vars.NAME }}", "secret.key"},
			[]string{"<table"},
		},
		{
			"settings form and configuration", "/settings", 200,
			[]string{"<h1>Settings</h1>", `name="instance_name"`, `value="meshflow"`, "meshflow.yaml", "Listen address"},
			[]string{"Settings saved."},
		},
		{"settings after a save", "/settings?saved=1", 200, []string{"Settings saved."}, nil},
		{"audit empty", "/audit", 200, []string{"<h1>Audit</h1>", "No changes recorded yet"}, []string{"<table"}},
		{"unknown page", "/no/such/page", 404, []string{"Page not found", "/no/such/page"}, nil},
		{"health", "/healthz", 200, []string{`"status":"ok"`, `"version":"v9.8.7"`}, nil},
		{"bad audit cursor", "/audit?before=abc", 400, []string{"Before must be an event id, a positive whole number."}, nil},
	}
	f := newFixture(t, false)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, "GET", tt.path, nil, nil)
			if rec.Code != tt.status {
				t.Fatalf("GET %s = %d, want %d\n%s", tt.path, rec.Code, tt.status, rec.Body)
			}
			body := rec.Body.String()
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range tt.notContains {
				if strings.Contains(body, s) {
					t.Errorf("body has %q", s)
				}
			}
		})
	}
}

func TestEveryPageSendsSecurityHeaders(t *testing.T) {
	f := newFixture(t, false)
	for _, path := range []string{"/", "/settings", "/variables", "/audit", "/nope", "/static/css/app.css"} {
		rec := f.do(t, "GET", path, nil, nil)
		csp := rec.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: CSP = %q", path, csp)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
	}
}

func TestNavigationMarksCurrentSection(t *testing.T) {
	f := newFixture(t, false)
	for _, path := range []string{"/", "/vms", "/storage", "/dags", "/runs", "/connections", "/variables", "/settings", "/audit"} {
		doc := parse(t, f.do(t, "GET", path, nil, nil))
		current := doc.Find(`nav a[aria-current="page"]`)
		if current.Length() != 1 {
			t.Fatalf("%s: %d links marked current, want 1", path, current.Length())
		}
		if href, _ := current.Attr("href"); href != path {
			t.Errorf("%s: current link is %s", path, href)
		}
		if n := doc.Find(`nav a[data-testid^="nav-"]`).Length(); n != 9 {
			t.Errorf("%s: %d nav links, want 9", path, n)
		}
	}
}

func TestSaveSettingsAppliesAndIsAudited(t *testing.T) {
	f := newFixture(t, false)
	rec := f.do(t, "POST", "/settings", url.Values{"instance_name": {"  lab  "}, "theme": {"dark"}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/settings?saved=1" {
		t.Fatalf("save = %d to %q, want 303 to /settings?saved=1", rec.Code, rec.Header().Get("Location"))
	}
	got, err := f.store.Settings(t.Context())
	if err != nil || got != (model.Settings{InstanceName: "lab", Theme: model.ThemeDark}) {
		t.Fatalf("stored settings = %+v (%v)", got, err)
	}
	doc := parse(t, f.do(t, "GET", "/", nil, nil))
	if theme, _ := doc.Find("html").Attr("data-theme"); theme != "dark" {
		t.Errorf("html data-theme = %q, want dark", theme)
	}
	if name := doc.Find(`[data-testid="instance-name"]`).Text(); name != "lab" {
		t.Errorf("sidebar name = %q, want lab", name)
	}

	audit := parse(t, f.do(t, "GET", "/audit", nil, nil))
	row := audit.Find(`[data-testid="audit-table"] tbody tr`)
	if row.Length() != 1 {
		t.Fatalf("audit rows = %d, want 1", row.Length())
	}
	for _, want := range []string{"ui", "127.0.0.1", "settings.save", "settings preferences", "done"} {
		if !strings.Contains(row.Text(), want) {
			t.Errorf("audit row %q lacks %q", row.Text(), want)
		}
	}
}

// htmx submissions get a redirect header, because the new theme and name
// change the page around the form and need a full load.
func TestSaveSettingsFromHTMXAsksForFullLoad(t *testing.T) {
	f := newFixture(t, false)
	rec := f.do(t, "POST", "/settings", url.Values{"instance_name": {"lab"}, "theme": {"light"}},
		map[string]string{"HX-Request": "true"})
	if rec.Code != http.StatusNoContent || rec.Header().Get("HX-Redirect") != "/settings?saved=1" {
		t.Fatalf("htmx save = %d, HX-Redirect %q", rec.Code, rec.Header().Get("HX-Redirect"))
	}
}

func TestSaveSettingsRejectsBadInputAndSavesNothing(t *testing.T) {
	tests := []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"empty name", url.Values{"instance_name": {"   "}, "theme": {"dark"}}, "instance_name", "Give the instance a name"},
		{"long name", url.Values{"instance_name": {strings.Repeat("é", 41)}, "theme": {"dark"}}, "instance_name", "at most 40 characters (this one has 41)"},
		{"control character", url.Values{"instance_name": {"a\x07b"}, "theme": {"dark"}}, "instance_name", "letters, digits"},
		{"unknown theme", url.Values{"instance_name": {"lab"}, "theme": {"neon"}}, "theme", "Choose one of the themes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, false)
			rec := f.do(t, "POST", "/settings", tt.form, nil)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status = %d, want 422", rec.Code)
			}
			doc := parse(t, rec)
			if msg := doc.Find(`[data-testid="error-` + tt.field + `"]`).Text(); !strings.Contains(msg, tt.msg) {
				t.Errorf("error for %s = %q, want %q", tt.field, msg, tt.msg)
			}
			if _, err := f.store.Setting(t.Context(), "instance_name"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("something was saved: %v", err)
			}
			events, _ := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 10})
			if len(events) != 1 || events[0].Outcome != model.OutcomeRefused || !strings.Contains(events[0].Reason, tt.field+": ") {
				t.Errorf("audit = %+v, want one refused save saying what was wrong with %s", events, tt.field)
			}
		})
	}
}

// A page on another site must not be able to change settings through the
// user's browser.
func TestCrossSiteWritesAreRefusedAndAudited(t *testing.T) {
	f := newFixture(t, false)
	rec := f.do(t, "POST", "/settings", url.Values{"instance_name": {"pwned"}, "theme": {"dark"}},
		map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site POST = %d, want 403", rec.Code)
	}
	if got, _ := f.store.Settings(t.Context()); got.InstanceName == "pwned" {
		t.Fatal("cross-site POST changed settings")
	}
	events, err := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 10})
	if err != nil || len(events) != 1 || events[0].Outcome != model.OutcomeRefused || events[0].Reason != "refused: sent from another web site" {
		t.Fatalf("audit = %+v (%v), want the refused attempt, saying why", events, err)
	}
}

func TestDesktopAuditsSourceAsDesktop(t *testing.T) {
	f := newFixture(t, true)
	// The desktop window's requests carry no browser fetch metadata.
	rec := f.do(t, "POST", "/settings", url.Values{"instance_name": {"lab"}, "theme": {"dark"}},
		map[string]string{"Sec-Fetch-Site": ""})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("desktop save = %d", rec.Code)
	}
	events, _ := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 1})
	if len(events) != 1 || events[0].Source != model.SourceDesktop || events[0].Actor != "desktop window" || events[0].Address != "" {
		t.Fatalf("audit = %+v, want source desktop", events)
	}
	if body := f.do(t, "GET", "/", nil, nil).Body.String(); !strings.Contains(body, "desktop app") {
		t.Error("overview does not say it runs as the desktop app")
	}
}

func TestAuditPagination(t *testing.T) {
	f := newFixture(t, false)
	for i := range 120 {
		if _, err := f.store.AddAuditEvent(context.Background(), model.AuditEvent{
			Action: "settings.save", Target: model.DAGTarget("t" + string(rune('0'+i%10))), Source: model.SourceUI, Outcome: model.OutcomeDone,
		}); err != nil {
			t.Fatal(err)
		}
	}
	seen := 0
	next := "/audit"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("pagination does not end")
		}
		doc := parse(t, f.do(t, "GET", next, nil, nil))
		seen += doc.Find(`[data-testid="audit-table"] tbody tr`).Length()
		next, _ = doc.Find(`[data-testid="audit-older"]`).Attr("href")
	}
	if seen != 120 {
		t.Fatalf("paged through %d events, want 120", seen)
	}
}

func TestStaticAssetsAreCacheable(t *testing.T) {
	f := newFixture(t, false)
	doc := parse(t, f.do(t, "GET", "/", nil, nil))
	href, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !strings.Contains(href, "?v=") {
		t.Fatalf("stylesheet URL %q has no content hash", href)
	}
	rec := f.do(t, "GET", href, nil, nil)
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Fatalf("hashed asset: %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	rec = f.do(t, "GET", "/static/css/app.css?v=old", nil, nil)
	if rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("stale hash must not be cached forever: %q", rec.Header().Get("Cache-Control"))
	}
	for _, src := range []string{`script[src*="htmx.min.js"]`} {
		s, _ := doc.Find(src).Attr("src")
		if f.do(t, "GET", s, nil, nil).Code != 200 {
			t.Errorf("%s not served", s)
		}
	}
	if rec := f.do(t, "GET", "/static/", nil, nil); rec.Code != 404 {
		t.Errorf("directory listing: %d, want 404", rec.Code)
	}
}

func parse(t *testing.T, rec *httptest.ResponseRecorder) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// An audit row keeps a long path or target whole up to a bound well past
// real names, and cuts longer ones there, between characters.
func TestAuditKeepsLongTargetsWithinABound(t *testing.T) {
	f := newFixture(t, false)
	long := "/no/such/" + strings.Repeat("é", 300) // 609 bytes: a long but real-looking path
	huge := "/no/such/" + strings.Repeat("é", 3000)
	for _, path := range []string{long, huge} {
		f.do(t, "POST", (&url.URL{Path: path}).EscapedPath(), nil, nil)
	}
	events, err := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 2})
	if err != nil || len(events) != 2 {
		t.Fatalf("audit = %+v, %v", events, err)
	}
	if got := events[1].Target.ID; got != "POST "+long {
		t.Errorf("long path recorded as %q (%d bytes), want it whole", got, len(got))
	}
	if got := events[0].Target.ID; len(got) > 1100 || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("huge path recorded as %d bytes (valid UTF-8: %v), want it cut at the bound between characters", len(got), utf8.ValidString(got))
	}
}

// A browser that leaves before its page is ready is no server error: no
// ERROR line for every closed tab.
func TestALeavingClientIsNotAnError(t *testing.T) {
	f := newFixture(t, false)
	f.addRun(t, "hello", model.RunSuccess, time.Now(), nil)
	for _, path := range []string{"/runs", "/runs/1", "/dags"} {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		req := httptest.NewRequestWithContext(ctx, "GET", path, nil)
		req.RemoteAddr = "127.0.0.1:51234"
		f.handler.ServeHTTP(httptest.NewRecorder(), req)
	}
	if logs := f.log.String(); strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "the client left") {
		t.Errorf("logs after clients left:\n%s", logs)
	}
}
