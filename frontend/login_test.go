package frontend_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend"
)

// sessions is what the fixture's handler signs browsers in with: nothing
// in the desktop window, which needs no sign-in.
func (f *fixture) sessions(desktop bool) frontend.Sessions {
	if desktop {
		return nil
	}
	return f.auth
}

// signedIn returns h as a signed-in browser uses it: every request carries
// a live session's cookie, unless it brings a Cookie header of its own.
// The session is made directly, not through /login, so that the audit log
// the tests read holds only what they do.
func (f *fixture) signedIn(t testing.TB, h http.Handler) http.Handler {
	t.Helper()
	if f.info.Desktop {
		return h
	}
	id, _, err := f.auth.Redeem(t.Context(), f.auth.NewLoginToken())
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Cookie{Name: frontend.SessionCookie(f.info.DataDir), Value: id}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Cookie") == "" {
			r.AddCookie(c)
		}
		h.ServeHTTP(w, r)
	})
}

// anon sends a request as a same-origin browser with no session would
// (or, with cookie set, one presenting that cookie).
func (f *fixture) anon(t *testing.T, method, target string, form url.Values, cookie *http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
	req.RemoteAddr = "127.0.0.1:51234"
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	rec := httptest.NewRecorder()
	f.raw.ServeHTTP(rec, req)
	return rec
}

// sessionCookie is the session cookie a response sets, or nil.
func sessionCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if strings.HasPrefix(c.Name, "meshflow_session_") {
			return c
		}
	}
	return nil
}

// Without a session, every page and every action answers 401 with the
// sign-in page, and changes nothing; what a browser needs to show that
// page stays open.
func TestEveryRouteNeedsASession(t *testing.T) {
	f := newFixture(t, false)
	runID := f.addRun(t, "hello", model.RunFailed, time.Now(), nil)
	run := "/runs/" + strconv.FormatInt(runID, 10)
	tests := []struct{ method, path string }{
		{"GET", "/"},
		{"GET", "/dags"},
		{"GET", "/dags/hello"},
		{"GET", "/dags/hello/events"},
		{"GET", "/runs"},
		{"GET", run},
		{"GET", run + "/events"},
		{"GET", "/variables"},
		{"GET", "/settings"},
		{"GET", "/audit"},
		{"GET", "/vms"},
		{"GET", "/no/such/page"},
		{"POST", "/dags/hello/trigger"},
		{"POST", "/dags/hello/pause"},
		{"POST", "/variables"},
		{"POST", "/variables/API_KEY/delete"},
		{"POST", "/settings"},
		{"POST", run + "/cancel"},
		{"POST", run + "/retry-failed"},
		{"POST", run + "/tasks/greet/clear"},
		{"POST", run + "/tasks/greet/mark-success"},
		{"POST", "/logout"},
		{"POST", "/login"},
	}
	form := url.Values{"name": {"API_KEY"}, "value": {"stolen"}, "instance_name": {"pwned"}, "theme": {"dark"}}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := f.anon(t, tt.method, tt.path, form, nil)
			if rec.Code != http.StatusUnauthorized {
				t.Fatalf("= %d, want 401", rec.Code)
			}
			body := rec.Body.String()
			if !strings.Contains(body, "meshflow login") || !strings.Contains(body, `data-testid="page-signin"`) {
				t.Errorf("401 page does not say how to sign in:\n%.300s", body)
			}
		})
	}
	runs, _ := f.store.Runs(t.Context(), storeFilter("hello"))
	vars, _ := f.store.Variables(t.Context())
	settings, _ := f.store.Settings(t.Context())
	if len(runs) != 1 || len(vars) != 0 || settings.InstanceName == "pwned" || len(f.engine.actions) != 0 {
		t.Errorf("requests without a session changed things: %d runs, %d variables, %+v, actions %v",
			len(runs), len(vars), settings, f.engine.actions)
	}
	// Refused writes are on record: the first of the minute, and a count
	// of the rest with the next one after it.
	events, _ := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 100})
	if len(events) != 1 || events[0].Outcome != model.OutcomeRefused || events[0].Reason != "not signed in, or a wrong token" || events[0].Actor != "browser" {
		t.Errorf("audit has %d events (%+v), want the first refused write", len(events), events)
	}
	f.skew.Store(int64(time.Minute))
	f.anon(t, "POST", "/settings", form, nil)
	wantAudit(t, f, []auditWant{
		{"request", "request POST /settings", "refused", ""},
		{"request.refusals", "", "refused", "10 more refused requests, not recorded one by one, in the 1m0s from " +
			events[0].At.UTC().Format(time.RFC3339)},
		{events[0].Action, events[0].Target.String(), "refused", ""},
	})
	for _, path := range []string{"/healthz", "/login", "/static/css/app.css"} {
		if rec := f.anon(t, "GET", path, nil, nil); rec.Code != http.StatusOK {
			t.Errorf("GET %s without a session = %d, want 200", path, rec.Code)
		}
	}
}

// htmx does not swap a 401 in: it is told to reload, which shows the
// sign-in page.
func TestHTMXWithoutSessionReloads(t *testing.T) {
	f := newFixture(t, false)
	req := httptest.NewRequest("POST", "/dags/hello/trigger", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	rec := httptest.NewRecorder()
	f.raw.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("HX-Refresh") != "true" {
		t.Fatalf("htmx POST without session = %d, HX-Refresh %q", rec.Code, rec.Header().Get("HX-Refresh"))
	}
}

func TestLoginLinkSetsStrictCookieAndRedirectsWithoutToken(t *testing.T) {
	f := newFixture(t, false)
	token := f.auth.NewLoginToken()
	rec := f.anon(t, "GET", "/login?token="+token, nil, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("login = %d to %q, want 303 to /", rec.Code, rec.Header().Get("Location"))
	}
	c := sessionCookie(rec)
	if c == nil {
		t.Fatalf("no session cookie set: %q", rec.Header().Values("Set-Cookie"))
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.MaxAge < 29*24*3600 {
		t.Errorf("cookie = %+v, want HttpOnly, SameSite=Strict, Path=/, a month", c)
	}
	if rec.Header().Get("Referrer-Policy") != "no-referrer" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("login answer may leak the token: %v", rec.Header())
	}
	// The cookie opens every page, GET and POST alike.
	if rec := f.anon(t, "GET", "/dags/hello", nil, c); rec.Code != http.StatusOK {
		t.Errorf("page with the cookie = %d", rec.Code)
	}
	rec = f.anon(t, "POST", "/dags/hello/trigger", url.Values{"who": {"me"}}, c)
	if rec.Code != http.StatusSeeOther {
		t.Errorf("trigger with the cookie = %d\n%s", rec.Code, rec.Body)
	}
	// The token was used up: the same link again is refused.
	rec = f.anon(t, "GET", "/login?token="+token, nil, nil)
	if rec.Code != http.StatusUnauthorized || sessionCookie(rec) != nil {
		t.Fatalf("reused token = %d, cookie %v; want 401 and none", rec.Code, sessionCookie(rec))
	}
	if !strings.Contains(rec.Body.String(), "This login link does not work") {
		t.Errorf("reused token page:\n%.400s", rec.Body)
	}
	wantAudit(t, f, []auditWant{
		{"login", "session", "refused", ""}, {"dag.trigger", "dag hello", "done", ""}, {"login", "session", "done", ""},
	})
	assertNoToken(t, f, token)
}

// A cookie that is made up, or of a session signed out, opens nothing.
func TestWrongTokenAndForgedCookieAreRefused(t *testing.T) {
	f := newFixture(t, false)
	real := f.auth.NewLoginToken()
	wrong := strings.Repeat("A", len(real))
	rec := f.anon(t, "GET", "/login?token="+wrong, nil, nil)
	if rec.Code != http.StatusUnauthorized || sessionCookie(rec) != nil {
		t.Fatalf("wrong token = %d, cookie %v", rec.Code, sessionCookie(rec))
	}
	forged := &http.Cookie{Name: frontend.SessionCookie(f.info.DataDir), Value: "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
	if rec := f.anon(t, "GET", "/", nil, forged); rec.Code != http.StatusUnauthorized {
		t.Errorf("forged cookie = %d, want 401", rec.Code)
	}
	// The real token still works after the wrong guess.
	c := sessionCookie(f.anon(t, "GET", "/login?token="+real, nil, nil))
	if c == nil {
		t.Fatal("real token refused after a wrong one")
	}
	rec = f.anon(t, "POST", "/logout", nil, c)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login" {
		t.Fatalf("logout = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if cleared := sessionCookie(rec); cleared == nil || cleared.MaxAge >= 0 {
		t.Errorf("logout does not clear the cookie: %+v", cleared)
	}
	if rec := f.anon(t, "GET", "/", nil, c); rec.Code != http.StatusUnauthorized {
		t.Errorf("cookie after logout = %d, want 401", rec.Code)
	}
	wantAudit(t, f, []auditWant{
		{"logout", "session", "done", ""}, {"login", "session", "done", ""}, {"login", "session", "refused", ""},
	})
	assertNoToken(t, f, wrong)
	assertNoToken(t, f, real)
}

// A link opened from another site or a local file (serve --open) ends on a
// page of ours that moves on: a browser does not send a SameSite=Strict
// cookie along a redirect such a navigation began.
func TestLoginFromAnotherSiteMovesOnFromOwnPage(t *testing.T) {
	f := newFixture(t, false)
	req := httptest.NewRequest("GET", "/login?token="+f.auth.NewLoginToken(), nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	f.raw.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || sessionCookie(rec) == nil {
		t.Fatalf("cross-site login = %d, cookie %v", rec.Code, sessionCookie(rec))
	}
	if !strings.Contains(rec.Body.String(), `http-equiv="refresh" content="0;url=/"`) {
		t.Errorf("no move on to /:\n%s", rec.Body)
	}
}

// The desktop window has no sign-in: its pages open without a cookie.
func TestDesktopNeedsNoSession(t *testing.T) {
	f := newFixture(t, true)
	if rec := f.anon(t, "GET", "/dags", nil, nil); rec.Code != http.StatusOK {
		t.Fatalf("desktop page = %d, want 200", rec.Code)
	}
	if body := f.anon(t, "GET", "/", nil, nil).Body.String(); strings.Contains(body, `data-testid="sign-out"`) {
		t.Error("the desktop window offers to sign out")
	}
}

func assertNoToken(t *testing.T, f *fixture, token string) {
	t.Helper()
	events, err := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if strings.Contains(fmt.Sprintf("%+v", e), token) {
			t.Errorf("audit event %+v holds the token", e)
		}
	}
}

// Guessing login links by the thousand adds one audit row a minute per
// source, and a count of the rest.
func TestWrongLoginLinksAreAuditedOncePerMinute(t *testing.T) {
	f := newFixture(t, false)
	for range 20 {
		f.anon(t, "GET", "/login?token="+strings.Repeat("B", 43), nil, nil)
	}
	wantAudit(t, f, []auditWant{{"login", "session", "refused", ""}})
	events, _ := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 1})
	f.skew.Store(int64(time.Minute))
	f.anon(t, "GET", "/login?token="+strings.Repeat("B", 43), nil, nil)
	wantAudit(t, f, []auditWant{
		{"login", "session", "refused", ""},
		{"request.refusals", "", "refused", "19 more refused requests, not recorded one by one, in the 1m0s from " +
			events[0].At.UTC().Format(time.RFC3339)},
		{"login", "session", "refused", ""},
	})
}

// A HEAD on a login link (a chat app's preview, a link checker) neither
// signs in nor spends the link: the GET that follows still does.
func TestHeadDoesNotSpendTheLoginLink(t *testing.T) {
	f := newFixture(t, false)
	token := f.auth.NewLoginToken()
	rec := f.anon(t, "HEAD", "/login?token="+token, nil, nil)
	if rec.Code != http.StatusOK || sessionCookie(rec) != nil {
		t.Fatalf("HEAD = %d, cookie %v; want 200 and none", rec.Code, sessionCookie(rec))
	}
	rec = f.anon(t, "GET", "/login?token="+token, nil, nil)
	if rec.Code != http.StatusSeeOther || sessionCookie(rec) == nil {
		t.Fatalf("GET after the HEAD = %d, cookie %v; want 303 and a session", rec.Code, sessionCookie(rec))
	}
	wantAudit(t, f, []auditWant{{"login", "session", "done", ""}})
}
