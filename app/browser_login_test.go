package app_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/model"
)

// TestBrowserSignInAndOut follows a user through the login: a page asked
// for without a session explains how to get in; the link that `serve
// --open` hands the browser signs it in and leaves the address bar
// without the token; a second browser cannot reuse the link; signing out
// ends the session.
func TestBrowserSignInAndOut(t *testing.T) {
	s := startSite(t)
	b := newBrowser(t)

	b.expect(s.url+"/dags", http.StatusUnauthorized)
	b.open(t, s.url+"/dags", "signin")
	if got := b.text(t, `[data-testid="signin-reason"]`); !strings.Contains(got, "needs a signed-in browser") {
		t.Errorf("sign-in page says %q", got)
	}
	if page := b.text(t, "main"); !strings.Contains(page, "meshflow login") {
		t.Errorf("sign-in page does not say how to get a link: %q", page)
	}
	b.check(t, "page without a session")

	// serve --open: the browser gets a file that redirects to the link,
	// never the link itself on a command line.
	page := openedLoginPage(t, s)
	b.open(t, "file://"+page, "overview")
	if got := b.state(t).Path; got != "/" {
		t.Errorf("signed in at %q, want / without the token", got)
	}
	b.follow(t, navItem(t, "dags"))
	b.check(t, "signed in through the opened page")

	// The link printed at start-up is still unused, and works once.
	b2 := newBrowser(t)
	b2.open(t, s.link, "overview")
	b3 := newBrowser(t)
	b3.expect(s.link, http.StatusUnauthorized)
	b3.open(t, s.link, "signin")
	if got := b3.text(t, "h1"); got != "This login link does not work" {
		t.Errorf("reused link: h1 = %q", got)
	}
	b3.check(t, "reused link")
	b3.checkExpected(t)

	b.clickAndWait(t, `[data-testid="sign-out"]`, pageSelector("signin"))
	b.expect(s.url+"/dags", http.StatusUnauthorized)
	b.open(t, s.url+"/dags", "signin")
	b.check(t, "after signing out")
	b.checkExpected(t)
	// The other browser's session is its own.
	b2.follow(t, navItem(t, "dags"))
	b2.check(t, "second browser after the first signed out")

	// A session lost while a page is open: the next click, an htmx swap,
	// shows the sign-in page in full rather than nothing.
	b2.run(t, "lose the session", network.ClearBrowserCookies())
	b2.expect(s.url+"/runs", http.StatusUnauthorized)
	b2.expect(s.url+"/dags", http.StatusUnauthorized) // the reload
	b2.clickAndWait(t, `[data-testid="nav-runs"]`, pageSelector("signin"))
	b2.check(t, "click after the session was lost")
	b2.checkExpected(t)

	events, err := s.app.Store.AuditEvents(t.Context(), model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	// Newest first: the sign-out, the reused link, the printed link, the
	// opened page's link, and the two links minted. Each reads in words,
	// however it was answered (an htmx 204, a 303, a 200 moved on by a
	// page of ours).
	var got []string
	for _, e := range events {
		if strings.HasPrefix(e.Action, "log") {
			got = append(got, e.Action+" "+string(e.Outcome))
		}
		if strings.Contains(fmt.Sprintf("%+v", e), tokenOf(s.link)) {
			t.Errorf("audit event %+v holds the token", e)
		}
	}
	want := []string{"logout done", "login refused", "login done", "login done", "login.link done", "login.link done"}
	if !slices.Equal(got, want) {
		t.Errorf("audit log of sign-ins, newest first:\n got %q\nwant %q", got, want)
	}
}

// openedLoginPage runs DataDir.OpenInBrowser as `serve --open` does, with a
// stand-in xdg-open that records what it was asked to open, and returns
// that: the page that redirects to a fresh login link.
func openedLoginPage(t *testing.T, s site) string {
	t.Helper()
	bin := t.TempDir()
	record := filepath.Join(bin, "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + record + "\n"
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	link, err := s.app.LoginLink(t.Context(), app.LocalOrigin())
	if err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "DISPLAY" {
			return ":0"
		}
		return ""
	}
	opened, err := s.app.Dir.OpenInBrowser(link, env)
	if err != nil || !opened {
		t.Fatalf("open in browser: %t, %v", opened, err)
	}
	var args []byte
	waitFor(t, "xdg-open to run", func() bool {
		args, err = os.ReadFile(record)
		return err == nil && len(args) > 0
	})
	arg := strings.TrimSpace(string(args))
	if strings.Contains(arg, tokenOf(link)) {
		t.Fatalf("the browser's command line holds the token: %q", arg)
	}
	info, err := os.Stat(arg)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("%s has mode %o, want 600", arg, perm)
	}
	return arg
}

func tokenOf(link string) string { return link[strings.Index(link, "token=")+len("token="):] }
