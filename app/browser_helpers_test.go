package app_test

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/components"
)

// browserTimeout bounds a whole browser test, so a hung Chromium fails the
// run instead of stalling it until go test's own ten-minute timeout.
const browserTimeout = 60 * time.Second

// site is a real app on a temp data dir, served by App.Serve as `meshflow
// serve` serves it: loopback listener, Host check, API and sign-in.
type site struct {
	app  *app.App
	url  string // http://127.0.0.1:PORT, no trailing slash
	link string // the one-time login link serve printed
}

// startSite opens the app as `meshflow serve` would, but on a fresh data dir
// and without reading the user's environment.
func startSite(t *testing.T) site { return startSiteWith(t, nil) }

// startSiteWith starts the site with extra DAG files (name → YAML) in its
// DAG folder beside the starter DAGs.
func startSiteWith(t *testing.T, dags map[string]string) site {
	t.Helper()
	return startSiteIn(t, t.TempDir(), dags)
}

// startSiteIn starts the site on the data dir given, which need not exist.
func startSiteIn(t *testing.T, dataDir string, dags map[string]string) site {
	t.Helper()
	// Warnings and errors only: the server logs every request at debug.
	return startSiteLogged(t, dataDir, dags, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// startSiteLogged is startSiteIn with the app logging to logger.
func startSiteLogged(t *testing.T, dataDir string, dags map[string]string, logger *slog.Logger) site {
	t.Helper()
	noEnv := func(string) string { return "" }
	cfg, err := app.LoadConfig(app.Overrides{DataDir: dataDir, Addr: "127.0.0.1:0"}, noEnv)
	if err != nil {
		t.Fatalf("load config: %v", err)
	}
	a, err := app.Open(t.Context(), cfg, app.Options{
		Version:   "dev",
		Examples:  os.DirFS("../testdata/examples"), // what a real first start seeds
		Logger:    logger,
		Exclusive: true,
	})
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("close app: %v", err)
		}
	})
	for name, src := range dags {
		if err := os.WriteFile(filepath.Join(a.Dir.DAGs(), name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// Serve runs the engine, the scheduler and the folder watcher beside
	// the UI, so what the pages trigger really runs. Its ready callback
	// mints the login link exactly as the serve command does to print it.
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan site, 1)
	done := make(chan error, 1)
	go func() {
		done <- a.Serve(ctx, func(bound net.Addr) {
			link, err := a.LoginLink(ctx, app.LocalOrigin())
			if err != nil {
				t.Errorf("login link: %v", err)
			}
			ready <- site{app: a, url: "http://" + bound.String(), link: link}
		})
	}()
	t.Cleanup(func() { // runs before a.Close: cleanups are last in, first out
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case s := <-ready:
		return s
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening")
	}
	return site{}
}

// browser starts a headless Chromium and signs it in through the site's
// login link, the way a user opens the link serve printed.
func (s site) browser(t *testing.T) *browser {
	t.Helper()
	b := newBrowser(t)
	b.open(t, s.link, "overview")
	if got := b.state(t).Path; got != "/" {
		t.Fatalf("after the login link the address bar shows %q, want / (no token)", got)
	}
	return b
}

// browser is one headless Chromium tab plus a record of everything that went
// wrong in it: console errors, uncaught exceptions, CSP violations, failed
// and error responses.
type browser struct {
	ctx context.Context

	mu       sync.Mutex
	urls     map[network.RequestID]string // to name the URL of a failed load
	problems []string
	warnings []string // console warnings: shown, but not failures
	expected []*expectedError
}

// expectedError is one error response a test provokes on purpose. It
// excuses exactly one response with that URL and status, and the console
// line Chromium logs for it; a second one is a problem again.
type expectedError struct {
	url            string
	status         int64
	response, logs bool // seen yet
}

// newBrowser starts Debian's Chromium, never a downloaded one (STACK.md).
// $CHROME_PATH points elsewhere, e.g. on a developer's Mac.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := cmp.Or(os.Getenv("CHROME_PATH"), "/usr/bin/chromium")
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("no browser at %s (%v): install chromium and chromium-driver (make test-deps)", path, err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Containers often give /dev/shm 64 MB, which crashes tabs at random.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	// The first Run below starts Chromium under ctx, so when the deadline
	// passes, Chromium is killed and whatever the test waits for fails.
	ctx, cancelTimeout := context.WithTimeout(tabCtx, browserTimeout)
	t.Cleanup(func() {
		closeBrowser(ctx, t) // before cancelTimeout, which would kill it
		cancelTimeout()
		cancelTab()
		cancelAlloc() // waits for Chromium to be gone
	})

	b := &browser{ctx: ctx, urls: map[network.RequestID]string{}}
	chromedp.ListenTarget(ctx, b.observe)
	// The viewport is pinned and the colour scheme fixed to light, so that
	// screenshots do not depend on the host.
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(1280, 800),
		emulation.SetEmulatedMedia().WithFeatures([]*emulation.MediaFeature{
			{Name: "prefers-color-scheme", Value: "light"},
		}),
	)
	if err != nil {
		t.Fatalf("start %s: %v\ninstall chromium and chromium-driver (make test-deps)", path, err)
	}
	return b
}

// closeBrowser asks Chromium to quit. Killed outright instead, its helper
// processes outlive it for a moment and write into the profile while
// t.TempDir removes it, which fails the test about one run in thirty.
func closeBrowser(ctx context.Context, t *testing.T) {
	if ctx.Err() != nil {
		return // timed out: Chromium was killed with ctx
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := chromedp.Cancel(ctx); err != nil {
		t.Logf("close chromium: %v", err) // it is killed next anyway
	}
}

// observe is called by chromedp for every event of the tab. It must not
// block, so it only records.
func (b *browser) observe(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		switch ev.Type {
		case runtime.APITypeError, runtime.APITypeAssert:
			b.problemf("console.%s: %s", ev.Type, remoteObjects(ev.Args))
		case runtime.APITypeWarning:
			b.warnings = append(b.warnings, remoteObjects(ev.Args))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil {
			msg += " " + d.Exception.Description
		}
		b.problemf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg)
	case *log.EventEntryAdded:
		// CSP violations arrive here, as do the "Failed to load resource" lines.
		e := ev.Entry
		if e.Level == log.LevelError && !b.excuseLog(e) {
			b.problemf("%s error: %s (%s)", e.Source, e.Text, e.URL)
		}
	case *network.EventRequestWillBeSent:
		b.urls[ev.RequestID] = ev.Request.Method + " " + ev.Request.URL
	case *network.EventLoadingFailed:
		// A live page closes its event stream when the user leaves it: the
		// browser reports that as a cancelled load, which failed nothing.
		// A stream that breaks on its own is not cancelled, and htmx logs it.
		if ev.Canceled && ev.Type == network.ResourceTypeEventSource {
			break
		}
		b.problemf("request failed: %s: %s (canceled=%t)", b.urls[ev.RequestID], ev.ErrorText, ev.Canceled)
	case *network.EventResponseReceived:
		r := ev.Response
		if r.Status >= 400 && !b.excuseResponse(r.URL, r.Status) {
			b.problemf("HTTP %d from %s %s", r.Status, b.urls[ev.RequestID], r.StatusText)
		}
	}
}

// problemf records a problem; b.mu is held.
func (b *browser) problemf(format string, args ...any) {
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// excuseResponse reports whether an error response was expected; b.mu is held.
func (b *browser) excuseResponse(url string, status int64) bool {
	for _, e := range b.expected {
		if !e.response && e.url == url && e.status == status {
			e.response = true
			return true
		}
	}
	return false
}

// excuseLog reports whether a console line is Chromium's note about an
// expected error response; b.mu is held.
func (b *browser) excuseLog(entry *log.Entry) bool {
	if entry.Source != log.SourceNetwork {
		return false
	}
	for _, e := range b.expected {
		code := "status of " + strconv.FormatInt(e.status, 10)
		if !e.logs && e.url == entry.URL && strings.Contains(entry.Text, code) {
			e.logs = true
			return true
		}
	}
	return false
}

// expect declares that the next response from url will have this status,
// on purpose.
func (b *browser) expect(url string, status int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.expected = append(b.expected, &expectedError{url: url, status: int64(status)})
}

// check fails the test with every problem recorded since the last check.
// where says what the test was doing, to tell pages apart in the output.
func (b *browser) check(t *testing.T, where string) {
	t.Helper()
	problems, warnings := b.take()
	for _, w := range warnings {
		t.Logf("%s: console.warning: %s", where, w)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", where, p)
	}
}

// take returns and forgets what was recorded so far.
func (b *browser) take() (problems, warnings []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	problems, warnings = b.problems, b.warnings
	b.problems, b.warnings = nil, nil
	return problems, warnings
}

// checkExpected fails the test for each expected error response that never
// came, which would mean the request under test was not made at all.
func (b *browser) checkExpected(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.expected {
		if !e.response {
			t.Errorf("expected HTTP %d from %s, but it never came", e.status, e.url)
		}
	}
}

// run runs actions in the tab and stops the test if one fails.
func (b *browser) run(t *testing.T, what string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(b.ctx, actions...); err != nil {
		b.check(t, what) // what the browser saw often explains the error
		t.Fatalf("%s: %v", what, err)
	}
}

// screenshot saves the whole page, beyond the viewport, as dir/name.png.
func (b *browser) screenshot(t *testing.T, dir, name string) {
	t.Helper()
	var png []byte
	b.run(t, "screenshot "+name, chromedp.FullScreenshot(&png, 100)) // 100 means PNG
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
}

// remoteObjects formats console.* arguments the way DevTools shows them.
func remoteObjects(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		if len(a.Value) > 0 {
			parts = append(parts, string(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	return strings.Join(parts, " ")
}

// pageSelector matches the <main> of a section's page; error pages have
// the empty key.
func pageSelector(key string) string { return `main[data-testid="page-` + key + `"]` }

// open loads url as typing it into the address bar does, and waits for the
// page of section key.
func (b *browser) open(t *testing.T, url, key string) {
	t.Helper()
	b.run(t, "open "+url, chromedp.Navigate(url), chromedp.WaitVisible(pageSelector(key), chromedp.ByQuery))
}

// follow clicks the sidebar link to item and waits for htmx to swap its
// page in.
func (b *browser) follow(t *testing.T, item components.NavItem) {
	t.Helper()
	b.run(t, "follow the sidebar to "+item.Title,
		// Mark the page being left, so that a link to the current page
		// (Overview on the Overview) still waits for its new copy.
		chromedp.Evaluate(`document.querySelector("main").dataset.stale = "1"`, nil),
		chromedp.Click(`[data-testid="nav-`+item.Key+`"]`, chromedp.ByQuery),
		chromedp.WaitVisible(pageSelector(item.Key)+":not([data-stale])", chromedp.ByQuery),
	)
}

// pageState is what a user sees of the page as a whole; tests compare it
// in one piece so a failure shows everything that differs.
type pageState struct {
	Title      string `json:"title"`
	H1         string `json:"h1"`
	Path       string `json:"path"`    // path and query in the address bar
	Current    string `json:"current"` // test id of the link marked aria-current
	Theme      string `json:"theme"`   // <html data-theme>
	Instance   string `json:"instance"`
	Flash      string `json:"flash"`
	FieldError string `json:"fieldError"` // of the instance name
}

const pageStateJS = `(() => {
	const text = sel => document.querySelector(sel)?.textContent.trim() ?? "";
	return {
		title: document.title,
		h1: text("main h1"),
		path: location.pathname + location.search,
		current: document.querySelector('nav [aria-current="page"]')?.dataset.testid ?? "",
		theme: document.documentElement.dataset.theme ?? "",
		instance: text('[data-testid="instance-name"]'),
		flash: text('[data-testid="flash"]'),
		fieldError: text('[data-testid="error-instance_name"]'),
	};
})()`

func (b *browser) state(t *testing.T) pageState {
	t.Helper()
	var s pageState
	b.run(t, "read the page", chromedp.Evaluate(pageStateJS, &s))
	return s
}

// submitSettings fills in the settings form and presses Save, as a user
// would: typing, clicking the radio button, clicking the button.
func (b *browser) submitSettings(t *testing.T, name string, theme model.Theme) {
	t.Helper()
	b.run(t, "fill in and submit the settings form",
		chromedp.Clear(`#instance_name`, chromedp.ByQuery),
		chromedp.SendKeys(`#instance_name`, name, chromedp.ByQuery),
		chromedp.Click(`input[name="theme"][value="`+string(theme)+`"]`, chromedp.ByQuery),
		chromedp.Click(`#settings-form button[type="submit"]`, chromedp.ByQuery),
	)
}

// auditRow is one row of the audit table as shown.
type auditRow struct {
	Source  string `json:"source"`  // ui, desktop, api, cli
	Who     string `json:"who"`     // the actor and address beneath it
	Action  string `json:"action"`  // dag.trigger
	Target  string `json:"target"`  // run 4, dag hello
	Outcome string `json:"outcome"` // done, refused, failed
	Reason  string `json:"reason"`
}

const auditRowsJS = `Array.from(document.querySelectorAll('[data-testid="audit-table"] tbody tr'), tr => ({
	source: tr.querySelector(".audit-source").textContent.trim(),
	who: (tr.querySelector(".audit-actor") || {textContent: ""}).textContent.trim(),
	action: tr.querySelector("td:nth-child(3)").textContent.trim(),
	target: tr.querySelector(".audit-target").textContent.trim(),
	outcome: tr.querySelector(".badge.outcome").textContent.trim(),
	reason: (tr.querySelector(".audit-reason") || {textContent: ""}).textContent.trim(),
}))`

func (b *browser) auditRows(t *testing.T) []auditRow {
	t.Helper()
	var rows []auditRow
	b.run(t, "read the audit table", chromedp.Evaluate(auditRowsJS, &rows))
	return rows
}

// hasRow reports whether a row matches want in every field want sets;
// Who and Reason match if they hold want's text.
func hasRow(rows []auditRow, want auditRow) bool {
	same := func(got, want string) bool { return want == "" || got == want }
	for _, r := range rows {
		if same(r.Source, want.Source) && same(r.Action, want.Action) && same(r.Target, want.Target) &&
			same(r.Outcome, want.Outcome) && strings.Contains(r.Who, want.Who) && strings.Contains(r.Reason, want.Reason) {
			return true
		}
	}
	return false
}

// waitVisible waits until an element matching sel is shown.
func (b *browser) waitVisible(t *testing.T, sel string) {
	t.Helper()
	b.run(t, "wait for "+sel, chromedp.WaitVisible(sel, chromedp.ByQuery))
}

// clickAndWait clicks the element matching sel and waits for one matching
// next: the page, or the part of it, the click brings.
func (b *browser) clickAndWait(t *testing.T, sel, next string) {
	t.Helper()
	b.run(t, "click "+sel,
		chromedp.Click(sel, chromedp.ByQuery),
		chromedp.WaitVisible(next, chromedp.ByQuery),
	)
}

// text is the text content of the first element matching sel.
func (b *browser) text(t *testing.T, sel string) string {
	t.Helper()
	var s string
	b.run(t, "read "+sel, chromedp.Evaluate(
		`document.querySelector(`+strconv.Quote(sel)+`)?.textContent ?? ""`, &s))
	return s
}

// count is how many elements match sel.
func (b *browser) count(t *testing.T, sel string) int {
	t.Helper()
	var n int
	b.run(t, "count "+sel, chromedp.Evaluate(`document.querySelectorAll(`+strconv.Quote(sel)+`).length`, &n))
	return n
}

// visible reports whether the first element matching sel takes up room on
// the page (false when there is none).
func (b *browser) visible(t *testing.T, sel string) bool {
	t.Helper()
	var shown bool
	b.run(t, "is "+sel+" shown", chromedp.Evaluate(
		`(() => { const el = document.querySelector(`+strconv.Quote(sel)+`); return !!el && el.getClientRects().length > 0; })()`, &shown))
	return shown
}
