package frontend_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/meshflow/meshflow/backend/model"
)

// theSecret is a secret value that must never leave the server.
const theSecret = "tok-4f9c-DO-NOT-SHOW"

// setVar sets a variable through the backend, as `meshflow var set` does.
func (f *fixture) setVar(t *testing.T, name, value string, secret bool) {
	t.Helper()
	if err := f.vars.Set(t.Context(), name, value, secret); err != nil {
		t.Fatal(err)
	}
}

// follow loads the page a form post redirected to, as the browser does.
func (f *fixture) follow(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	res := rec.Result()
	defer res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303", res.StatusCode)
	}
	next := f.do(t, "GET", res.Header.Get("Location"), nil, nil)
	if next.Code != http.StatusOK {
		t.Fatalf("GET %s = %d", res.Header.Get("Location"), next.Code)
	}
	return next.Body.String()
}

func TestVariablesPageListsPlainValuesAndHidesSecrets(t *testing.T) {
	f := newFixture(t, false)
	f.setVar(t, "BUCKET", "s3://reports\nsecond line", false)
	f.setVar(t, "API_TOKEN", theSecret, true)
	f.setVar(t, "EMPTY", "", false)

	tests := []struct {
		name        string
		path        string
		status      int
		contains    []string
		notContains []string
	}{
		{"list", "/variables", 200, []string{"BUCKET", "s3://reports\nsecond line", "API_TOKEN", "(empty)"}, []string{"No variables yet"}},
		{"edit a plain one", "/variables?edit=BUCKET", 200, []string{`value="BUCKET"`, ">s3://reports\nsecond line</textarea>", "autofocus"}, nil},
		{"edit a secret", "/variables?edit=API_TOKEN", 200, []string{`value="API_TOKEN"`, "never sent back to the browser"}, nil},
		{"edit an unknown one", "/variables?edit=NOPE", 404, []string{"No such variable", "NOPE"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, "GET", tt.path, nil, nil)
			if rec.Code != tt.status {
				t.Fatalf("GET %s = %d, want %d", tt.path, rec.Code, tt.status)
			}
			body := rec.Body.String()
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q", s)
				}
			}
			for _, s := range append(tt.notContains, theSecret) {
				if strings.Contains(body, s) {
					t.Errorf("body has %q", s)
				}
			}
		})
	}

	doc := parse(t, f.do(t, "GET", "/variables", nil, nil))
	rows := doc.Find(`[data-testid="variable-row"]`)
	if got := rows.Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("data-name", "") }); fmt.Sprint(got) != "[API_TOKEN BUCKET EMPTY]" {
		t.Errorf("rows = %v, want sorted by name", got)
	}
	secret := doc.Find(`[data-testid="variable-row"][data-name="API_TOKEN"]`)
	if secret.Find(`[data-testid="variable-secret"]`).Text() == "" || secret.Find(`[data-testid="variable-value"]`).Length() != 0 {
		t.Errorf("secret row %q: want the secret badge and no value", secret.Text())
	}
	edit := parse(t, f.do(t, "GET", "/variables?edit=API_TOKEN", nil, nil))
	if _, checked := edit.Find(`#var-secret`).Attr("checked"); !checked || edit.Find(`#var-value`).Text() != "" {
		t.Error("editing a secret: want the box ticked and the value empty")
	}
}

func TestSaveVariable(t *testing.T) {
	tests := []struct {
		name      string
		form      url.Values
		wantName  string
		wantValue string
		flash     string
	}{
		{"plain", url.Values{"name": {"BUCKET"}, "value": {"s3://reports"}}, "BUCKET", "s3://reports", "Variable BUCKET saved."},
		{"name is trimmed, CRLF becomes LF", url.Values{"name": {" SCRIPT "}, "value": {"a\r\nb\r\n"}}, "SCRIPT", "a\nb\n", "Variable SCRIPT saved."},
		{"secret", url.Values{"name": {"API_TOKEN"}, "value": {theSecret}, "secret": {"on"}}, "API_TOKEN", theSecret, "Variable API_TOKEN saved as a secret."},
		{"empty value", url.Values{"name": {"_EMPTY"}, "value": {""}}, "_EMPTY", "", "Variable _EMPTY saved."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, false)
			rec := f.do(t, "POST", "/variables", tt.form, nil)
			if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, "/variables?flash=") {
				t.Fatalf("save = %d to %q", rec.Code, loc)
			}
			doc := parseString(t, f.follow(t, rec))
			if got := doc.Find(`[data-testid="flash"]`).Text(); got != tt.flash {
				t.Errorf("flash = %q, want %q", got, tt.flash)
			}
			v, err := f.vars.Get(t.Context(), tt.wantName, true)
			if err != nil || v.Value != tt.wantValue || v.Secret != (tt.form.Get("secret") != "") {
				t.Errorf("stored = %+v (%v), want value %q", v, err, tt.wantValue)
			}
			wantAudit(t, f, []auditWant{{"variable.set", model.VariableTarget(tt.wantName).String(), "done", ""}})
		})
	}
}

func TestSaveVariableReplacesOne(t *testing.T) {
	f := newFixture(t, false)
	f.setVar(t, "TOKEN", "plain-old", false)
	f.do(t, "POST", "/variables", url.Values{"name": {"TOKEN"}, "value": {theSecret}, "secret": {"on"}}, nil)
	v, err := f.vars.Get(t.Context(), "TOKEN", true)
	if err != nil || !v.Secret || v.Value != theSecret {
		t.Fatalf("after replacing: %+v (%v), want the new secret", v, err)
	}
}

func TestSaveVariableFromHTMXRedirects(t *testing.T) {
	f := newFixture(t, false)
	rec := f.do(t, "POST", "/variables", url.Values{"name": {"A"}, "value": {"1"}}, map[string]string{"HX-Request": "true"})
	if rec.Code != http.StatusNoContent || !strings.HasPrefix(rec.Header().Get("HX-Redirect"), "/variables?flash=") {
		t.Fatalf("htmx save = %d, HX-Redirect %q", rec.Code, rec.Header().Get("HX-Redirect"))
	}
}

func TestSaveVariableRejectsBadInput(t *testing.T) {
	tests := []struct {
		name   string
		form   url.Values
		field  string
		msg    string
		target string // in the audit log
	}{
		{"starts with a digit", url.Values{"name": {"1ST"}, "value": {"keep me"}}, "name", `Variable name "1ST": use letters, digits and _`, "1ST"},
		{"has a dash", url.Values{"name": {"my-var"}, "value": {"keep me"}}, "name", "templates read it as .vars.my-var", "my-var"},
		{"empty", url.Values{"name": {"  "}, "value": {"keep me"}}, "name", `Variable name ""`, ""},
		{"too long", url.Values{"name": {strings.Repeat("A", 65)}, "value": {"keep me"}}, "name", "use letters, digits", strings.Repeat("A", 65)},
		{"secret with a bad name", url.Values{"name": {"a b"}, "value": {theSecret}, "secret": {"on"}}, "name", `"a b"`, "a b"},
		{"value over 1 MiB", url.Values{"name": {"BIG"}, "value": {strings.Repeat("x", 1<<20+1)}}, "value", "at most 1 MiB (this value has 1.0 MiB)", "BIG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, false)
			rec := f.do(t, "POST", "/variables", tt.form, nil)
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status = %d, want 422", rec.Code)
			}
			body := rec.Body.String()
			if strings.Contains(body, theSecret) {
				t.Error("the refused form sends the secret back")
			}
			doc := parseString(t, body)
			if msg := doc.Find(`[data-testid="error-` + tt.field + `"]`).Text(); !strings.Contains(msg, tt.msg) {
				t.Errorf("error for %s = %q, want %q", tt.field, msg, tt.msg)
			}
			if _, invalid := doc.Find(`[name="` + tt.field + `"]`).Attr("aria-invalid"); !invalid {
				t.Errorf("%s is not marked invalid", tt.field)
			}
			if tt.form.Get("secret") == "" && tt.field == "name" && doc.Find("#var-value").Text() != "keep me" {
				t.Error("a plain value is not kept for the next try")
			}
			if vars, _ := f.vars.List(t.Context()); len(vars) != 0 {
				t.Errorf("something was saved: %+v", vars)
			}
			wantAudit(t, f, []auditWant{{"variable.set", model.VariableTarget(tt.target).String(), "refused", ""}})
		})
	}
}

func TestDeleteVariable(t *testing.T) {
	f := newFixture(t, false)
	f.setVar(t, "BUCKET", "s3://reports", false)
	f.setVar(t, "KEEP", "x", false)

	doc := parse(t, f.do(t, "GET", "/variables", nil, nil))
	action, _ := doc.Find(`[data-name="BUCKET"] details.confirm form`).Attr("action")
	if action != "/variables/BUCKET/delete" {
		t.Fatalf("delete form posts to %q", action)
	}
	page := parseString(t, f.follow(t, f.do(t, "POST", action, url.Values{}, nil)))
	if got := page.Find(`[data-testid="flash"]`).Text(); got != "Variable BUCKET deleted." {
		t.Errorf("flash = %q", got)
	}
	if page.Find(`[data-name="BUCKET"]`).Length() != 0 || page.Find(`[data-name="KEEP"]`).Length() != 1 {
		t.Error("the list still shows BUCKET, or lost KEEP")
	}

	// Deleted twice, e.g. from a second tab: said so, and recorded as refused.
	page = parseString(t, f.follow(t, f.do(t, "POST", action, url.Values{}, nil)))
	if got := page.Find(`[data-testid="flash"].bad`).Text(); got != "No variable BUCKET." {
		t.Errorf("flash after a second delete = %q", got)
	}
	wantAudit(t, f, []auditWant{
		{"variable.delete", "variable BUCKET", "refused", ""},
		{"variable.delete", "variable BUCKET", "done", ""},
	})
}

// A secret's value must not leave the server once set: not in any page,
// not in the audit log, and not in the database file in the clear.
func TestSecretValueIsNeverShownNorRecorded(t *testing.T) {
	f := newFixture(t, false)
	posts := []url.Values{
		{"name": {"API_TOKEN"}, "value": {theSecret}, "secret": {"on"}},
		{"name": {"bad name"}, "value": {theSecret}, "secret": {"on"}},
		{"name": {"API_TOKEN"}, "value": {theSecret}, "secret": {"on"}},
	}
	var bodies []string
	for _, form := range posts {
		rec := f.do(t, "POST", "/variables", form, nil)
		bodies = append(bodies, rec.Body.String(), fmt.Sprint(rec.Header()))
		if loc := rec.Header().Get("Location"); loc != "" {
			bodies = append(bodies, f.do(t, "GET", loc, nil, nil).Body.String())
		}
	}
	for _, path := range []string{"/variables", "/variables?edit=API_TOKEN", "/audit", "/"} {
		bodies = append(bodies, f.do(t, "GET", path, nil, nil).Body.String())
	}
	for i, b := range bodies {
		if strings.Contains(b, theSecret) {
			t.Errorf("response %d shows the secret", i)
		}
	}
	events, err := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 100})
	if err != nil || len(events) != len(posts) {
		t.Fatalf("audit = %+v (%v)", events, err)
	}
	for _, e := range events {
		if strings.Contains(fmt.Sprintf("%+v", e), theSecret) {
			t.Errorf("audit event %+v records the secret", e)
		}
	}
	files, _ := filepath.Glob(filepath.Join(f.info.DataDir, "meshflow.db*"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(theSecret)) {
			t.Errorf("%s holds the secret in the clear", filepath.Base(file))
		}
	}
}

// A page on another site must not be able to set or delete variables
// through the user's browser.
func TestVariableWritesRefuseCrossSite(t *testing.T) {
	f := newFixture(t, false)
	f.setVar(t, "BUCKET", "s3://reports", false)
	crossSite := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
	for _, path := range []string{"/variables", "/variables/BUCKET/delete"} {
		f.skew.Add(int64(time.Minute)) // a minute apart, so that each refusal gets a row
		rec := f.do(t, "POST", path, url.Values{"name": {"BUCKET"}, "value": {"s3://evil"}}, crossSite)
		if rec.Code != http.StatusForbidden {
			t.Errorf("cross-site POST %s = %d, want 403", path, rec.Code)
		}
	}
	if v, err := f.vars.Get(t.Context(), "BUCKET", false); err != nil || v.Value != "s3://reports" {
		t.Errorf("BUCKET = %+v (%v), want it unchanged", v, err)
	}
	wantAudit(t, f, []auditWant{
		{"request", "request POST /variables/BUCKET/delete", "refused", ""},
		{"request", "request POST /variables", "refused", ""},
	})
}

func parseString(t *testing.T, html string) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
