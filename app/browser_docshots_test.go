package app_test

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/meshflow/meshflow/backend/model"
)

// docshots regenerates the README's screenshots:
//
//	go test ./app/ -run BrowserDocshots -args -docshots "$PWD/docs/img"
//
// A relative DIR is taken from app/, where go test runs. Without it they go
// to the test's artifact dir (kept with -artifacts).
var docshots = flag.String("docshots", "", "write the README screenshots into `DIR`")

// TestBrowserDocshots takes the README's screenshots of a lived-in install
// — the Overview, a DAG's grid, a run with retries, its logs, the VMs
// pages, the phone layout — and
// checks that each shows what its caption promises. The data dir is where
// a real one is, under the home directory, so the pages name no test path.
func TestBrowserDocshots(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	s := startSiteIn(t, filepath.Join(home, ".local", "share", "meshflow"), nil)
	dir := *docshots
	if dir == "" {
		dir = t.ArtifactDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hello", "hello", "cleanup-on-failure", "hello", "parent-child", "hello", "retry-demo"} {
		runAndWait(t, s, name)
	}
	retry := newestRun(t, s, "retry-demo")

	b := s.browser(t)
	b.open(t, s.url+"/", "overview")
	b.waitVisible(t, `[data-testid="data-dir"]`)
	if got := b.text(t, `[data-testid="data-dir"]`); got != "~/.local/share/meshflow" {
		t.Errorf("the Overview names the data dir %q, want ~/.local/share/meshflow", got)
	}
	b.viewportShot(t, dir, "overview")

	b.open(t, s.url+"/dags/hello?view=grid", "dags")
	b.waitVisible(t, `tr.durations rect.bar`)
	b.viewportShot(t, dir, "dag-grid")

	b.open(t, s.url+"/runs/"+strconv.FormatInt(retry.ID, 10), "runs")
	// Three tries of flaky in the timeline: two failed, then the good one.
	b.waitVisible(t, `svg.gantt`)
	if n := b.count(t, `svg.gantt rect.bar[data-task="flaky"]`); n != 3 {
		t.Errorf("the timeline draws %d tries of flaky, want 3", n)
	}
	b.viewportShot(t, dir, "run")

	// The same task's log, every try under its header, stderr marked.
	b.open(t, s.url+"/runs/"+strconv.FormatInt(retry.ID, 10)+"?task=flaky", "runs")
	if n := b.count(t, `[data-testid="try-head"]`); n != 3 {
		t.Errorf("flaky's logs show %d tries, want 3", n)
	}
	if n := b.count(t, `.logview .ln.err`); n != 2 {
		t.Errorf("flaky's logs mark %d stderr lines, want 2 (one per failed try)", n)
	}
	b.run(t, "scroll to the logs", chromedp.Evaluate(`document.getElementById("logs").scrollIntoView()`, nil))
	b.viewportShot(t, dir, "logs")

	vmDocshots(t, s, b, dir)

	b.run(t, "phone", chromedp.EmulateViewport(420, 860))
	b.open(t, s.url+"/runs/"+strconv.FormatInt(retry.ID, 10), "runs")
	b.run(t, "dark", chromedp.Evaluate(`document.documentElement.dataset.theme = "dark"`, nil))
	b.viewportShot(t, dir, "phone")
	b.check(t, "docshots")
	t.Logf("screenshots in %s", dir)
}

// runAndWait triggers a run of name and waits for it to end.
func runAndWait(t *testing.T, s site, name string) model.Run {
	t.Helper()
	svc := s.app.Workflows().Service
	r, err := svc.Trigger(t.Context(), name, nil, model.TriggerManual)
	if err != nil {
		t.Fatalf("trigger %s: %v", name, err)
	}
	r, err = svc.Wait(t.Context(), r.ID)
	if err != nil {
		t.Fatalf("wait for run %d of %s: %v", r.ID, name, err)
	}
	return r
}

// newestRun is the latest run of name.
func newestRun(t *testing.T, s site, name string) model.Run {
	t.Helper()
	runs, err := s.app.Workflows().Service.Runs(t.Context(), model.RunFilter{DAG: name, Limit: 1})
	if err != nil || len(runs) == 0 {
		t.Fatalf("runs of %s: %v %v", name, runs, err)
	}
	return runs[0]
}

// viewportShot saves what the viewport shows, as a reader's screen would.
func (b *browser) viewportShot(t *testing.T, dir, name string) {
	t.Helper()
	time.Sleep(300 * time.Millisecond) // let the bars' transitions settle
	var png []byte
	b.run(t, "screenshot "+name, chromedp.CaptureScreenshot(&png))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
