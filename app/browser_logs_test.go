package app_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// noisyDAG writes its log slowly, to stdout and stderr, in colour.
const noisyDAG = `name: noisy
description: Prints forty lines, one every 60 ms, some to stderr, some in colour.
tasks:
  - id: chatter
    op: shell
    with:
      command: |
        for i in $(seq 1 40); do
          if [ $((i % 10)) -eq 0 ]; then echo "warning $i" >&2; else printf '\033[32mline %d\033[0m\n' "$i"; fi
          sleep 0.06
        done
`

// A user watches a task's log grow at its end, searches it, and shares a
// link to one line that opens on that line.
func TestBrowserLogViewer(t *testing.T) {
	s := startSiteWith(t, map[string]string{"noisy.yaml": noisyDAG})
	b := s.browser(t)
	b.open(t, s.url+"/dags/noisy", "dags")
	b.run(t, "trigger noisy", chromedp.Click(`[data-testid="trigger-submit"]`, chromedp.ByQuery))
	b.waitVisible(t, `[data-testid="run-live"]`)
	box := `[data-testid="log"][data-task="chatter"] [data-testid="logview"]`

	// While it runs the log follows its end.
	if b.count(t, `[data-testid="log-follow"]:checked`) != 1 {
		t.Error("a running run's logs do not offer follow, switched on")
	}
	b.waitVisible(t, box+` .ln:nth-child(12)`)
	var atEnd bool
	b.run(t, "is the growing log at its end", chromedp.Evaluate(`(() => {
		const el = document.querySelector(`+jsString(box)+`);
		return el.scrollHeight <= el.clientHeight || el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
	})()`, &atEnd))
	if !atEnd {
		t.Error("the log of a running task is not scrolled to its newest line")
	}
	b.waitVisible(t, `[data-testid="run-live"][data-state="success"]`)

	if n := b.count(t, box+` .ln`); n != 40 {
		t.Errorf("log shows %d lines, want 40", n)
	}
	if got := b.text(t, box+` .ln.err .ln-x`); got != "warning 10" {
		t.Errorf("first stderr line = %q, want warning 10", got)
	}
	if got := b.text(t, box+` .ln .ln-x .a-f2`); got != "line 1" {
		t.Errorf("first green span = %q, want line 1 without its escapes", got)
	}
	if got := b.text(t, box+` .ln .ln-t`); !regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3}$`).MatchString(got) {
		t.Errorf("a line's time reads %q, want HH:MM:SS.mmm", got)
	}

	// Search counts the lines that match and steps through them.
	b.run(t, "search the logs", chromedp.SendKeys(`[data-testid="log-search"]`, "line 3", chromedp.ByQuery))
	if got := b.text(t, `[data-log-count]`); got != "10 matches" {
		t.Errorf("search for 'line 3' says %q, want 10 matches (3, 31–39)", got)
	}
	b.run(t, "step to the second match", chromedp.SendKeys(`[data-testid="log-search"]`, "\r\r", chromedp.ByQuery))
	if got := b.text(t, box+` .ln.cur .ln-x`); got != "line 31" {
		t.Errorf("second match = %q, want line 31", got)
	}
	if got := b.text(t, `[data-log-count]`); got != "2 of 10" {
		t.Errorf("match count reads %q, want 2 of 10", got)
	}

	// A line's number links to it; the link opens the page on that line.
	b.run(t, "click line 5's number", chromedp.Click(box+` .ln:nth-child(5) .ln-n`, chromedp.ByQuery))
	var link string
	b.run(t, "read the address", chromedp.Evaluate(`location.href`, &link))
	if !strings.HasSuffix(link, "-L5") {
		t.Fatalf("after clicking line 5 the address is %s", link)
	}
	b.open(t, s.url+"/dags", "dags")
	b.run(t, "open the line link", chromedp.Navigate(link), chromedp.WaitVisible(box, chromedp.ByQuery))
	var shown bool
	b.run(t, "is line 5 in view", chromedp.Evaluate(`(() => {
		const el = document.querySelector(`+jsString(box)+`), ln = el.querySelector(".ln:target");
		return !!ln && ln.offsetTop >= el.scrollTop && ln.offsetTop + ln.offsetHeight <= el.scrollTop + el.clientHeight;
	})()`, &shown))
	if !shown {
		t.Error("a link to line 5 opens with line 5 out of view (or not highlighted)")
	}

	// The download is the whole log, as a file.
	var dl struct {
		Status      int
		Disposition string
		Body        string
	}
	b.run(t, "download the log", chromedp.Evaluate(`(async () => {
		const a = document.querySelector('[data-testid="log-download"]');
		const r = await fetch(a.href);
		return {status: r.status, disposition: r.headers.get("Content-Disposition"), body: await r.text()};
	})()`, &dl, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if dl.Status != 200 || !strings.HasPrefix(dl.Disposition, "attachment;") || strings.Count(dl.Body, "\n") != 40 || strings.Count(dl.Body, "Z err warning") != 4 {
		t.Errorf("download = %d %q, %d lines:\n%s", dl.Status, dl.Disposition, strings.Count(dl.Body, "\n"), dl.Body)
	}
	b.check(t, "log viewer")
}

// jsString quotes s for a script.
func jsString(s string) string { return "`" + strings.ReplaceAll(s, "`", "\\`") + "`" }
