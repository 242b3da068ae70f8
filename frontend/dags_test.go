package frontend_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// pageCase is one GET and what its answer must and must not contain.
type pageCase struct {
	name        string
	path        string
	status      int
	contains    []string
	notContains []string
}

func (tt pageCase) run(t *testing.T, f *fixture) {
	t.Helper()
	rec := f.do(t, "GET", tt.path, nil, nil)
	if rec.Code != tt.status {
		t.Fatalf("GET %s = %d, want %d\n%s", tt.path, rec.Code, tt.status, rec.Body)
	}
	body := rec.Body.String()
	for _, s := range tt.contains {
		if !strings.Contains(body, s) {
			t.Errorf("GET %s: body lacks %q", tt.path, s)
		}
	}
	for _, s := range tt.notContains {
		if strings.Contains(body, s) {
			t.Errorf("GET %s: body has %q", tt.path, s)
		}
	}
}

func TestDAGPages(t *testing.T) {
	f := newFixture(t, false)
	start := time.Now().Add(-time.Hour)
	ok := map[string]model.TaskState{"greet": model.TaskSuccess, "count_a": model.TaskSuccess, "count_b": model.TaskSuccess, "sum": model.TaskSuccess}
	first := f.addRun(t, "hello", model.RunSuccess, start, ok)
	running := f.addRun(t, "hello", model.RunRunning, start.Add(time.Minute), map[string]model.TaskState{"greet": model.TaskRunning})
	other := f.addRun(t, "nightly", model.RunFailed, start, map[string]model.TaskState{"extract": model.TaskFailed})
	if err := f.store.SaveDAGState(t.Context(), "report", model.DAGState{NextRunAt: start.Add(25 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	run := func(n int64) string { return strconv.FormatInt(n, 10) }

	tests := []pageCase{
		{"list shows every DAG file", "/dags", 200, []string{
			"<h1>DAGs</h1>", `data-dag="hello"`, `data-dag="nightly"`, "every day at 02:30", "Europe/Berlin",
			"Fan-out and fan-in", `class="tag"`, `href="/runs/` + run(first) + `"`, `data-state="running"`,
		}, []string{"notes.txt"}},
		{"list shows the errors of a broken file", "/dags", 200, []string{
			`data-testid="dag-error"`, "broken.yaml has errors.", "It does not run until they are fixed.", "broken.yaml:4:",
		}, []string{f.info.DAGDir + "/broken.yaml"}},
		{"list marks a manual DAG", "/dags", 200, []string{">manual<"}, nil},
		{"list counts a DAG's warnings", "/dags", 200, []string{`data-testid="dag-warning-count">1 warning<`}, nil},
		{"DAG page shows its warnings", "/dags/hello", 200, []string{
			`data-testid="dag-warnings"`, "hello.yaml runs, with 1 warning.", "hello.yaml:14:7: warning:", "pastes .params.who into shell code unquoted",
		}, []string{f.info.DAGDir}},
		{"a DAG without warnings shows none", "/dags/nightly", 200, nil, []string{`data-testid="dag-warnings"`}},
		{"a scheduled DAG shows its switch and next run in its own zone", "/dags/report", 200, []string{
			`action="/dags/report/pause"`, `name="back" value="dag"`, `class="toggle on"`,
			`data-testid="dag-next-run"`, `data-t="zone"`, " Europe/Berlin</time>", `href="/runs?dag=report" data-testid="dag-runs-link"`,
			`href="/dags/report?view=code"><code>report.yml</code>`,
		}, nil},
		{"a manual DAG has no schedule switch", "/dags/nightly", 200, []string{
			`href="/dags?tag=reports" data-testid="dag-tag"`, "<dt>Tasks</dt>",
		}, []string{`data-testid="pause-toggle"`, `data-testid="dag-next-run"`}},
		{"an invalid DAG does not count tasks", "/dags/broken", 200, nil, []string{"<dt>Tasks</dt>"}},
		{"DAG page defaults to the graph of the newest run", "/dags/hello", 200, []string{
			"<h1>hello</h1>", `data-testid="graph-view"`, `data-task="greet"`, `data-task="sum"`,
			`class="edge`, "Colours of", `href="/runs/` + run(running) + `"`, `aria-current="true" data-testid="tab-graph"`,
			`name="param.who"`, `value="world"`, "Who to greet.", `hx-trigger="every 1s"`,
		}, nil},
		{"graph of an ended run does not refresh", "/dags/hello?run=" + run(first), 200, []string{
			`data-task="greet" data-state="success"`, "run " + run(first),
		}, []string{`hx-trigger="every 1s"`}},
		{"graph of another DAG's run", "/dags/hello?run=" + run(other), 404, []string{"Not found"}, nil},
		{"graph of an unknown run", "/dags/hello?run=999", 404, []string{"run 999 of DAG hello"}, nil},
		{"graph of a malformed run id", "/dags/hello?run=abc", 400, []string{"Run=abc in the address is not a run id"}, nil},
		{"grid", "/dags/hello?view=grid", 200, []string{
			`data-testid="grid"`, `class="cell st-success"`, `class="cell st-running"`, `href="/runs/` + run(first) + `?task=greet#logs"`,
			`aria-current="true" data-testid="tab-grid"`,
		}, []string{`data-testid="grid-older"`, `data-testid="grid-newer"`}},
		{"grid with a malformed cursor", "/dags/hello?view=grid&before=x", 400, []string{"Before=x in the address is not a run id", "This address is not quite right", `<html`}, nil},
		{"code is highlighted", "/dags/hello?view=code", 200, []string{
			`<span class="tok-comment"># hello: fan-out and fan-in</span>`,
			`<span class="tok-key">name</span><span class="tok-punct">:</span> hello`,
			`<span class="tok-tmpl">{{ .params.who }}</span>`,
			`# not a comment`, `id="L17"`,
		}, []string{`<span class="tok-comment"># not a comment`}},
		{"code of a broken file shows its errors by line", "/dags/broken?view=code", 200, []string{
			`data-testid="line-error"`, "unknown op", `class="has-error"`,
		}, nil},
		{
			"graph of a file that never parsed", "/dags/broken", 200,
			[]string{"never been valid", "broken.yaml has errors."},
			[]string{`data-testid="trigger-form"`},
		},
		{"trigger form generated from params", "/dags/nightly", 200, []string{
			`type="number" step="1" id="param-count" name="param.count" value="3"`,
			`type="hidden" name="param.dry_run" value="false"`, `type="checkbox" id="param-dry_run" name="param.dry_run" value="true" checked`,
			`<option value="dev" selected>dev</option>`, `<option value="prod">prod</option>`,
			`name="param.hosts" value="a, b"`, "Separate items with commas.",
			`name="param.ticket" value="" required`, `class="req"`, "The change ticket.",
		}, nil},
		{"unknown view", "/dags/hello?view=table", 400, []string{"View must be graph, grid or code"}, nil},
		{"unknown DAG", "/dags/nope", 404, []string{"No such DAG", "nope"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
}

func TestDAGListEmptyStateNamesTheFolder(t *testing.T) {
	f := newFixture(t, false)
	for name := range testDAGs {
		if err := os.Remove(filepath.Join(f.info.DAGDir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.folder.Load(); err != nil {
		t.Fatal(err)
	}
	pageCase{"empty", "/dags", 200, []string{"No DAG files yet", f.info.DAGDir}, []string{"<table"}}.run(t, f)
}

// The grid shows 80 runs a page, oldest on the left and newest on the
// right, and pages back to older runs by id.
func TestGridPagesByRunID(t *testing.T) {
	f := newFixture(t, false)
	for i := range 85 {
		f.addRun(t, "hello", model.RunSuccess, time.Now().Add(time.Duration(i)*time.Minute), nil)
	}
	columns := func(doc *goquery.Document) []string {
		var ids []string
		doc.Find(`[data-testid="grid-run"]`).Each(func(_ int, s *goquery.Selection) { ids = append(ids, s.AttrOr("data-run", "")) })
		return ids
	}
	doc := parse(t, f.do(t, "GET", "/dags/hello?view=grid", nil, nil))
	cols := columns(doc)
	if len(cols) != 80 || cols[0] != "6" || cols[79] != "85" {
		t.Fatalf("first page's columns = %v, want runs 6 to 85, newest on the right", cols)
	}
	if _, ok := doc.Find(`[data-testid="grid-scroll"]`).Attr("data-scroll-end"); !ok {
		t.Error("the grid does not open scrolled to its newest runs")
	}
	older, _ := doc.Find(`[data-testid="grid-older"]`).Attr("href")
	if older != "/dags/hello?before=6&view=grid" {
		t.Fatalf("older link = %q", older)
	}
	doc = parse(t, f.do(t, "GET", older, nil, nil))
	if cols := columns(doc); fmt.Sprint(cols) != "[1 2 3 4 5]" {
		t.Fatalf("second page's columns = %v, want runs 1 to 5", cols)
	}
	if doc.Find(`[data-testid="grid-older"]`).Length() != 0 || doc.Find(`[data-testid="grid-newer"]`).Length() != 1 {
		t.Fatal("last page: want a newer link and no older one")
	}
}

// Each column has a bar as tall as its run is long, and each cell says its
// task's state, try, start and duration, and opens that task's log.
func TestGridShowsDurationsAndTries(t *testing.T) {
	f := newFixture(t, false)
	start := time.Now().Add(-time.Hour)
	short := f.addRun(t, "hello", model.RunFailed, start, map[string]model.TaskState{"greet": model.TaskSuccess, "count_a": model.TaskFailed})
	f.setTry(t, short, "count_a", 2)
	long := f.addRun(t, "hello", model.RunRunning, start, map[string]model.TaskState{"greet": model.TaskRunning})
	doc := parse(t, f.do(t, "GET", "/dags/hello?view=grid", nil, nil))

	bars := doc.Find(`tr.durations rect.bar`)
	if bars.Length() != 2 {
		t.Fatalf("%d duration bars, want one per run", bars.Length())
	}
	// The 4 s run next to one running for an hour: the floor of 2 px.
	if h := [2]string{bars.Eq(0).AttrOr("height", ""), bars.Eq(1).AttrOr("height", "")}; h != [2]string{"2", "40"} {
		t.Errorf("bar heights = %v, want [2 40] (a 4 s run beside a 1 h one)", h)
	}
	cell := doc.Find(`[data-testid="grid-cell"][href="` + pages.TaskLogsURL(short, "count_a") + `"]`)
	title := cell.AttrOr("title", "")
	for _, want := range []string{"count_a · failed · try 2 of 2 · started " + components.TimeTitle(start.Add(time.Second)), " · 800 ms · run " + strconv.FormatInt(short, 10)} {
		if !strings.Contains(title, want) {
			t.Errorf("cell title %q lacks %q", title, want)
		}
	}
	if cell.AttrOr("data-at-text", "") != components.TimeTitle(start.Add(time.Second)) {
		t.Errorf("cell data-at-text = %q: the script could not put the start in the reader's zone", cell.AttrOr("data-at-text", ""))
	}
	running := doc.Find(`[data-testid="grid-cell"][href="`+pages.TaskLogsURL(long, "greet")+`"]`).AttrOr("title", "")
	if !strings.Contains(running, "so far") {
		t.Errorf("running cell title %q does not say it is still going", running)
	}
	if queued := doc.Find(`[data-testid="grid-cell"][href="`+pages.TaskLogsURL(long, "sum")+`"]`).AttrOr("title", ""); strings.Contains(queued, "started") {
		t.Errorf("queued cell title %q names a start", queued)
	}
}

func TestPauseToggle(t *testing.T) {
	f := newFixture(t, false)
	rec := f.do(t, "POST", "/dags/hello/pause", url.Values{}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dags" {
		t.Fatalf("pause = %d to %q", rec.Code, rec.Header().Get("Location"))
	}
	if st, _, _ := f.store.DAGState(t.Context(), "hello"); !st.Paused {
		t.Fatal("hello is not paused")
	}
	// From the toggle: the DAG's rows come back, to be swapped in place.
	rec = f.do(t, "POST", "/dags/hello/unpause", url.Values{}, map[string]string{"HX-Request": "true"})
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(body, `<tbody id="dag-hello"`) || !strings.Contains(body, `class="toggle on"`) {
		t.Fatalf("htmx unpause = %d:\n%s", rec.Code, body)
	}
	if rec := f.do(t, "POST", "/dags/nope/pause", url.Values{}, nil); rec.Code != 404 {
		t.Fatalf("pause of an unknown DAG = %d", rec.Code)
	}
	// From the DAG's own page: back to that page.
	rec = f.do(t, "POST", "/dags/report/pause", url.Values{"back": {"dag"}}, nil)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dags/report" {
		t.Fatalf("pause from the DAG page = %d to %q, want back to /dags/report", rec.Code, rec.Header().Get("Location"))
	}
	wantAudit(t, f, []auditWant{
		{"dag.pause", "dag report", "done", ""}, {"dag.pause", "dag nope", "refused", ""}, {"dag.unpause", "dag hello", "done", ""}, {"dag.pause", "dag hello", "done", ""},
	})
}

func TestTrigger(t *testing.T) {
	f := newFixture(t, false)
	form := url.Values{"param.ticket": {"CHG-1"}, "param.count": {"7"}, "param.dry_run": {"false", "true"}, "param.env": {"prod"}, "param.hosts": {"x, y"}}
	rec := f.do(t, "POST", "/dags/nightly/trigger", form, nil)
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/runs/") {
		t.Fatalf("trigger = %d to %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	runs, _ := f.store.Runs(t.Context(), storeFilter("nightly"))
	if len(runs) != 1 {
		t.Fatalf("runs = %d", len(runs))
	}
	got := runs[0].Params
	if got["ticket"] != "CHG-1" || got["count"] != float64(7) || got["dry_run"] != true || got["env"] != "prod" {
		t.Errorf("params = %#v", got)
	}
	if runs[0].Trigger != model.TriggerManual {
		t.Errorf("trigger = %s", runs[0].Trigger)
	}
	rec = f.do(t, "POST", "/dags/hello/trigger", url.Values{}, map[string]string{"HX-Request": "true"})
	if rec.Code != http.StatusNoContent || !strings.HasPrefix(rec.Header().Get("HX-Redirect"), "/runs/") {
		t.Fatalf("htmx trigger = %d, HX-Redirect %q", rec.Code, rec.Header().Get("HX-Redirect"))
	}
	if rec := f.do(t, "POST", "/dags/broken/trigger", url.Values{}, nil); rec.Code != 404 {
		t.Errorf("trigger of a DAG that never parsed = %d, want 404", rec.Code)
	}
	wantAudit(t, f, []auditWant{{"dag.trigger", "dag broken", "refused", ""}, {"dag.trigger", "dag hello", "done", ""}, {"dag.trigger", "dag nightly", "done", ""}})
}

// The engine's refusals read as they stand, with their own status; only a
// failure nobody foresaw is a 500.
func TestTriggerShowsTheEnginesRefusal(t *testing.T) {
	tests := []struct {
		name   string
		refuse error
		status int
		text   string
		audit  auditWant
	}{
		{
			"conflict", model.Errorf(model.ErrConflict, "skipped: the DAG already has its maximum of active runs"),
			422, "No run was started: skipped: the DAG already has its maximum of active runs",
			auditWant{"dag.trigger", "dag hello", "refused", "skipped: the DAG already has its maximum of active runs"},
		},
		{
			"stopping", model.Errorf(model.ErrUnavailable, "the workflow engine has stopped"),
			503, "The workflow engine has stopped.",
			auditWant{"dag.trigger", "dag hello", "failed", "the workflow engine has stopped"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, false)
			f.engine.refuse = tt.refuse
			rec := f.do(t, "POST", "/dags/hello/trigger", url.Values{}, nil)
			if rec.Code != tt.status || !strings.Contains(parse(t, rec).Text(), tt.text) {
				t.Fatalf("trigger = %d, want %d with %q\n%s", rec.Code, tt.status, tt.text, rec.Body)
			}
			wantAudit(t, f, []auditWant{tt.audit})
		})
	}
}

func TestTriggerRefusesBadParams(t *testing.T) {
	tests := []struct {
		name   string
		form   url.Values
		errors map[string]string // field → message
	}{
		{"required missing", url.Values{"param.ticket": {"  "}}, map[string]string{"ticket": "Required: give a value."}},
		{"not a number", url.Values{"param.ticket": {"T"}, "param.count": {"abc"}}, map[string]string{"count": "abc is not a whole number."}},
		{"not a choice", url.Values{"param.ticket": {"T"}, "param.env": {"staging"}}, map[string]string{"env": "staging is not one of dev, prod."}},
		{"several at once", url.Values{"param.count": {"1.5"}, "param.env": {"x"}}, map[string]string{
			"ticket": "Required", "count": "1.5 is not a whole number.", "env": "x is not one of",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, false)
			f.addRun(t, "nightly", model.RunRunning, time.Now(), nil)
			rec := f.do(t, "POST", "/dags/nightly/trigger", tt.form, map[string]string{"HX-Request": "true"})
			if rec.Code != http.StatusUnprocessableEntity {
				t.Fatalf("status = %d, want 422", rec.Code)
			}
			if u := rec.Header().Get("HX-Replace-Url"); u != "/dags/nightly" {
				t.Errorf("HX-Replace-Url = %q", u)
			}
			doc := parse(t, rec)
			for field, msg := range tt.errors {
				if got := doc.Find(`[data-testid="error-` + field + `"]`).Text(); !strings.Contains(got, msg) {
					t.Errorf("error of %s = %q, want %q", field, got, msg)
				}
			}
			if v, _ := doc.Find(`#param-count`).Attr("value"); tt.form.Get("param.count") != "" && v != tt.form.Get("param.count") {
				t.Errorf("the form lost what was typed: count = %q", v)
			}
			if runs, _ := f.store.Runs(t.Context(), storeFilter("")); len(runs) != 1 {
				t.Errorf("a run was started: %+v", runs)
			}
			// The graph beside the form still refreshes from the DAG's page.
			if u, _ := doc.Find(`[data-testid="poller"]`).Attr("hx-get"); u != "/dags/nightly" {
				t.Errorf("graph refreshes from %q, want /dags/nightly", u)
			}
			wantAudit(t, f, []auditWant{{"dag.trigger", "dag nightly", "refused", ""}})
		})
	}
}
