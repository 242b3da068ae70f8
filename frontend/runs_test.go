package frontend_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

func TestRunPages(t *testing.T) {
	f := newFixture(t, false)
	start := time.Now().Add(-time.Hour)
	failed := f.addRun(t, "hello", model.RunFailed, start, map[string]model.TaskState{
		"greet": model.TaskSuccess, "count_a": model.TaskFailed, "count_b": model.TaskSuccess, "sum": model.TaskUpstreamFailed,
	})
	active := f.addRun(t, "nightly", model.RunRunning, start.Add(time.Minute), map[string]model.TaskState{"extract": model.TaskRunning})
	f.writeLog(t, "hello", failed, "greet", 1, "hello, tester\n")
	f.writeLog(t, "hello", failed, "count_a", 1, "first try failed\n")
	f.writeLog(t, "hello", failed, "count_a", 2, "second try <b>failed</b>\n")
	// The second try is the newest.
	f.setTry(t, failed, "count_a", 2)
	run := func(n int64) string { return strconv.FormatInt(n, 10) }
	failedURL, activeURL := "/runs/"+run(failed), "/runs/"+run(active)

	tests := []pageCase{
		{"list, newest first", "/runs", 200, []string{
			"<h1>Runs</h1>", `data-run="` + run(active) + `"`, `data-run="` + run(failed) + `"`, "nightly", "hello",
		}, nil},
		{
			"list filtered by state", "/runs?state=failed", 200,
			[]string{`data-run="` + run(failed) + `"`, `aria-current="true" data-testid="filter-failed"`},
			[]string{`data-run="` + run(active) + `"`},
		},
		{
			"list filtered by DAG", "/runs?dag=nightly", 200,
			[]string{`data-run="` + run(active) + `"`, `<option value="nightly" selected>`},
			[]string{`data-run="` + run(failed) + `"`},
		},
		{"list filtered to nothing", "/runs?state=cancelled", 200, []string{"No cancelled runs."}, nil},
		{"list with an unknown state", "/runs?state=lost", 400, []string{"State &#34;lost&#34; is not one of queued, running", "This address is not quite right"}, nil},
		{"list with a malformed cursor", "/runs?before=-3", 400, []string{"Before=-3 in the address is not a run id"}, nil},
		{"run header and tasks in plan order", failedURL, 200, []string{
			"<h1>Run " + run(failed) + "</h1>", `href="/dags/hello"`, "who=tester", `data-testid="task-table"`,
			`data-task="greet" data-state="success"`, `data-task="sum" data-state="upstream_failed"`,
			`data-testid="run-retry-failed"`, `href="/runs/` + run(failed) + `/tasks/count_a/clear"`,
			`href="/runs/` + run(failed) + `/tasks/count_a/mark-success"`,
			`href="/dags/hello?run=` + run(failed) + `" data-testid="run-graph"`,
		}, []string{`data-testid="run-cancel"`, `hx-trigger`}},
		{"run gantt bars", failedURL, 200, []string{`data-testid="gantt"`, `class="bar st-failed"`, `data-task="count_a"`}, nil},
		{"run logs: newest try of each task", failedURL, 200, []string{
			"hello, tester", "second try &lt;b&gt;failed&lt;/b&gt;", `data-task="count_a" data-try="2"`,
		}, []string{"first try failed", "<b>failed</b>"}},
		{"run logs filtered to one task, every try", failedURL + "?task=count_a", 200, []string{
			"first try failed", "second try", `aria-current="true">count_a</a>`,
		}, []string{"hello, tester"}},
		{"active run refreshes itself", activeURL, 200, []string{
			`hx-get="` + activeURL + `"`, `hx-trigger="every 1s"`, `hx-select="#run-live"`, `data-testid="run-cancel"`, "No output yet.",
		}, []string{`data-testid="run-retry-failed"`}},
		{"clear asks first, listing the task and those after it", failedURL + "/tasks/count_a/clear", 200, []string{
			"Clear count_a and the tasks after it?", `data-testid="confirm-item" data-name="count_a"`, `data-testid="confirm-item" data-name="sum"`,
			`action="/runs/` + run(failed) + `/tasks/count_a/clear"`, "Clear 2 tasks", "Earlier tries stay in the run",
		}, []string{`data-name="greet"`, `data-name="count_b"`}},
		{"retry failed asks first", failedURL + "/retry-failed", 200, []string{
			`data-name="count_a"`, `data-name="sum"`, "Retry 2 tasks", `action="/runs/` + run(failed) + `/retry-failed"`,
		}, []string{`data-name="greet"`}},
		{"cancel of an ended run: nothing would change", failedURL + "/cancel", 200, []string{"Every task has finished"}, []string{`data-testid="confirm-item"`}},
		{"cancel asks first, listing what stops", activeURL + "/cancel", 200, []string{
			`data-name="extract"`, `data-name="load"`, "Cancel the run", `class="danger"`,
		}, nil},
		{"mark failed asks first", failedURL + "/tasks/greet/mark-failed", 200, []string{"Mark greet as failed?", `data-name="greet"`}, nil},
		{"confirmation of an unknown task", failedURL + "/tasks/nope/clear", 404, []string{"has no task named nope"}, nil},
		{"confirmation of an unknown run", "/runs/999/cancel", 404, []string{"There is no run 999"}, nil},
		{"unknown task filter", failedURL + "?task=nope", 404, []string{"has no task named nope"}, nil},
		{"unknown run", "/runs/999", 404, []string{"No such run", "There is no run 999"}, nil},
		{"malformed run id", "/runs/abc", 404, []string{"No such run"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
	if len(f.engine.actions) > 0 {
		t.Errorf("pages and confirmations changed runs: %v; only the POST of an answer may", f.engine.actions)
	}
}

// The live refresh asks for the changing part of the page only.
func TestRunLiveRefreshIsAFragment(t *testing.T) {
	f := newFixture(t, false)
	active := f.addRun(t, "nightly", model.RunRunning, time.Now(), map[string]model.TaskState{"extract": model.TaskRunning})
	rec := f.do(t, "GET", "/runs/"+strconv.FormatInt(active, 10), nil, map[string]string{"HX-Request": "true", "HX-Target": "run-live"})
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(body, `<div id="run-live"`) || strings.Contains(body, "<html") {
		t.Fatalf("refresh = %d:\n%.300s", rec.Code, body)
	}
	rec = f.do(t, "GET", "/dags/nightly", nil, map[string]string{"HX-Request": "true", "HX-Target": "dag-graph"})
	if body := rec.Body.String(); !strings.HasPrefix(body, `<section class="panel" id="dag-graph"`) {
		t.Fatalf("graph refresh:\n%.300s", body)
	}
}

func TestRunActions(t *testing.T) {
	refused := model.Errorf(model.ErrConflict, "task count_a is running; cancel the run first")
	tests := []struct {
		name, path  string
		refuse      error
		status      int
		action      string // recorded by the fake; empty: none
		flash       string
		audit       auditWant
		htmx        bool
		unknownRun  bool
		wantRefused bool
	}{
		{name: "cancel", path: "/cancel", status: 303, action: "cancel", flash: "Cancelling the run", audit: auditWant{"run.cancel", "run 1", "done", ""}},
		{name: "retry failed", path: "/retry-failed", status: 303, action: "retry-failed", flash: "Retrying the failed tasks", audit: auditWant{"run.retry_failed", "run 1", "done", ""}},
		{name: "clear and downstream", path: "/tasks/count_a/clear", status: 303, action: "clear count_a downstream=true", flash: "Cleared count_a", audit: auditWant{"task.clear", "task 1/count_a", "done", ""}},
		{name: "mark success", path: "/tasks/count_a/mark-success", status: 303, action: "mark count_a success", flash: "Marked count_a as succeeded.", audit: auditWant{"task.mark_success", "task 1/count_a", "done", ""}},
		{name: "mark failed", path: "/tasks/count_a/mark-failed", status: 303, action: "mark count_a failed", flash: "Marked count_a as failed.", audit: auditWant{"task.mark_failed", "task 1/count_a", "done", ""}},
		{name: "from htmx", path: "/cancel", htmx: true, status: 204, action: "cancel", flash: "Cancelling", audit: auditWant{"run.cancel", "run 1", "done", ""}},
		{name: "refused", path: "/tasks/count_a/clear", refuse: refused, status: 303, flash: "Task count_a is running; cancel the run first.", audit: auditWant{"task.clear", "task 1/count_a", "refused", ""}, wantRefused: true},
		{name: "unknown task", path: "/tasks/nope/mark-success", refuse: model.Errorf(model.ErrNotFound, "run 1 has no task %q", "nope"), status: 303, flash: `Run 1 has no task "nope".`, audit: auditWant{"task.mark_success", "task 1/nope", "refused", ""}, wantRefused: true},
		{name: "unknown run", path: "/cancel", unknownRun: true, status: 404, audit: auditWant{"run.cancel", "run 999", "refused", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, false)
			runID := f.addRun(t, "hello", model.RunFailed, time.Now(), map[string]model.TaskState{"count_a": model.TaskFailed})
			f.engine.refuse = tt.refuse
			if tt.unknownRun {
				runID = 999
			}
			hdr := map[string]string{}
			if tt.htmx {
				hdr["HX-Request"] = "true"
			}
			rec := f.do(t, "POST", "/runs/"+strconv.FormatInt(runID, 10)+tt.path, url.Values{}, hdr)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d\n%s", rec.Code, tt.status, rec.Body)
			}
			if tt.action != "" && (len(f.engine.actions) != 1 || f.engine.actions[0] != "run 1: "+tt.action) {
				t.Errorf("actions = %q, want %q", f.engine.actions, tt.action)
			}
			wantAudit(t, f, []auditWant{tt.audit})
			if tt.flash == "" {
				return
			}
			next := rec.Header().Get("Location") + rec.Header().Get("HX-Redirect")
			if !strings.HasPrefix(next, "/runs/1?flash=") {
				t.Fatalf("sent to %q", next)
			}
			flash := parse(t, f.do(t, "GET", next, nil, nil)).Find(`[data-testid="flash"]`)
			if !strings.Contains(flash.Text(), tt.flash) || flash.HasClass("bad") != tt.wantRefused {
				t.Errorf("flash = %q (bad: %t), want %q (bad: %t)", flash.Text(), flash.HasClass("bad"), tt.flash, tt.wantRefused)
			}
		})
	}
}

// A flash token is only good for messages the server made: a link cannot
// put words on the page.
func TestForgedFlashShowsNothing(t *testing.T) {
	f := newFixture(t, false)
	runID := f.addRun(t, "hello", model.RunSuccess, time.Now(), nil)
	rec := f.do(t, "GET", "/runs/"+strconv.FormatInt(runID, 10)+"?flash=Your+account+is+locked", nil, nil)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), "locked") || strings.Contains(rec.Body.String(), `data-testid="flash"`) {
		t.Fatalf("forged flash shown:\n%s", rec.Body)
	}
}

func TestRunActionsRefuseCrossSitePosts(t *testing.T) {
	f := newFixture(t, false)
	runID := f.addRun(t, "hello", model.RunRunning, time.Now(), nil)
	rec := f.do(t, "POST", "/runs/"+strconv.FormatInt(runID, 10)+"/cancel", url.Values{},
		map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	if rec.Code != http.StatusForbidden || len(f.engine.actions) != 0 {
		t.Fatalf("cross-site cancel = %d, actions %q", rec.Code, f.engine.actions)
	}
}
