package frontend_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// addRunBy records an ended run of dagName started by trigger at at.
func (fx *fixture) addRunBy(t *testing.T, dagName string, state model.RunState, trigger model.Trigger, at time.Time) int64 {
	t.Helper()
	e, err := fx.folder.Get(dagName)
	if err != nil {
		t.Fatal(err)
	}
	r := model.Run{DAG: dagName, State: model.RunQueued, Trigger: trigger, LogicalDate: at, QueuedAt: at}
	if err := fx.store.CreateRun(t.Context(), &r, e.Source, nil); err != nil {
		t.Fatal(err)
	}
	r.State, r.StartedAt, r.EndedAt = state, at, at.Add(time.Minute)
	if err := fx.store.SaveBatch(t.Context(), model.Batch{Runs: []model.Run{r}}); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// runIDs lists the runs a page shows, in order.
func runIDs(body string) []string {
	var ids []string
	for _, part := range strings.Split(body, `data-testid="run-row" data-run="`)[1:] {
		ids = append(ids, part[:strings.IndexByte(part, '"')])
	}
	return ids
}

func TestRunListFilters(t *testing.T) {
	f := newFixture(t, false)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// 1 Dec 23:30 in New York is 2 Dec in UTC: the browser's zone decides
	// which day a run is on.
	lateNY := f.addRunBy(t, "report", model.RunFailed, model.TriggerSchedule, time.Date(2026, 12, 1, 23, 30, 0, 0, ny))
	dec2 := f.addRunBy(t, "report", model.RunSuccess, model.TriggerSchedule, time.Date(2026, 12, 2, 12, 0, 0, 0, ny))
	manual := f.addRunBy(t, "report", model.RunFailed, model.TriggerManual, time.Date(2026, 12, 2, 13, 0, 0, 0, ny))
	nightly := f.addRunBy(t, "nightly", model.RunFailed, model.TriggerSchedule, time.Date(2026, 12, 2, 14, 0, 0, 0, ny))
	hello := f.addRunBy(t, "hello", model.RunFailed, model.TriggerAPI, time.Date(2026, 12, 5, 9, 0, 0, 0, ny))
	id := func(n int64) string { return fmt.Sprint(n) }

	tests := []struct {
		name, query string
		want        []int64
		contains    []string
	}{
		{"every run", "", []int64{hello, nightly, manual, dec2, lateNY}, []string{`data-testid="filter-count" aria-live="polite">5 runs</p>`}},
		{
			"a DAG, a state and a trigger, in the state tabs too", "dag=report&state=failed&trigger=schedule",
			[]int64{lateNY},
			[]string{
				`<option value="report" selected>`, `<option value="schedule" selected>`,
				`<input type="hidden" name="state" value="failed">`,
				">1 of 5 runs</p>",
				// A tab changes the state and keeps the rest.
				`href="/runs?dag=report&amp;state=success&amp;trigger=schedule"`,
				`href="/runs?dag=report&amp;trigger=schedule" data-testid="filter-all"`,
			},
		},
		{
			"days in the browser's zone", "from=2026-12-01&to=2026-12-01&tz=America%2FNew_York",
			[]int64{lateNY},
			[]string{`name="from" value="2026-12-01"`, `name="to" value="2026-12-01"`, `value="America/New_York" data-zone-input`, "<span>America/New_York</span>"},
		},
		{"the same day in UTC", "from=2026-12-01&to=2026-12-01&tz=UTC", nil, []string{"No runs on 1 Dec."}},
		{"a range of days", "from=2026-12-02&to=2026-12-04&tz=America%2FNew_York", []int64{nightly, manual, dec2}, []string{">3 of 5 runs</p>"}},
		{"a tag: the runs of the DAGs that carry it", "tag=reports", []int64{nightly}, []string{`<option value="reports" selected>`}},
		{
			"a filter that leaves nothing says which", "dag=hello&state=cancelled&from=2026-12-01&to=2026-12-03&tz=UTC", nil,
			[]string{`data-testid="filter-empty"`, "No cancelled runs of hello between 1 and 3 Dec", `href="/runs" data-testid="filter-empty-reset">Reset filters</a>`, ">0 of 5 runs</p>"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, "GET", "/runs?"+tt.query, nil, nil)
			body := rec.Body.String()
			if rec.Code != 200 {
				t.Fatalf("GET /runs?%s = %d\n%s", tt.query, rec.Code, body)
			}
			var want []string
			for _, n := range tt.want {
				want = append(want, id(n))
			}
			if got := runIDs(body); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("runs shown = %v, want %v", got, want)
			}
			for _, s := range tt.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %s", s)
				}
			}
			if tt.query != "" && !strings.Contains(body, `href="/runs" data-testid="filter-reset"`) {
				t.Error("a filtered list has no reset link")
			}
		})
	}
}

// Paging keeps the filters: the older page holds only matching runs, and
// every matching run is on one page or the other.
func TestRunListPagesKeepTheFilter(t *testing.T) {
	f := newFixture(t, false)
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	for i := range 130 {
		state := model.RunSuccess
		if i%2 == 0 {
			state = model.RunFailed
		}
		n := f.addRunBy(t, "report", state, model.TriggerSchedule, start.Add(time.Duration(i)*time.Hour))
		if state == model.RunFailed {
			want = append([]string{fmt.Sprint(n)}, want...)
		}
	}
	rec := f.do(t, "GET", "/runs?state=failed&dag=report", nil, nil)
	first := rec.Body.String()
	if got := runIDs(first); len(got) != 50 || fmt.Sprint(got) != fmt.Sprint(want[:50]) {
		t.Fatalf("first page = %v", got)
	}
	if !strings.Contains(first, ">65 of 130 runs</p>") {
		t.Error("the first page does not count 65 of 130 runs")
	}
	older := fmt.Sprintf(`href="/runs?before=%s&amp;dag=report&amp;state=failed" data-testid="runs-older"`, want[49])
	if !strings.Contains(first, older) {
		t.Fatalf("the older link does not keep the filter; want %s", older)
	}
	rec = f.do(t, "GET", "/runs?before="+want[49]+"&dag=report&state=failed", nil, nil)
	second := rec.Body.String()
	if got := runIDs(second); fmt.Sprint(got) != fmt.Sprint(want[50:]) || strings.Contains(second, "runs-older") {
		t.Errorf("second page = %v, want %v and no older page", got, want[50:])
	}
	if !strings.Contains(second, `href="/runs?dag=report&amp;state=failed" data-testid="runs-newer"`) || !strings.Contains(second, ">65 of 130 runs</p>") {
		t.Error("the second page lost the filter in its newer link or count")
	}
}

func TestListFiltersRefuseBadValues(t *testing.T) {
	f := newFixture(t, false)
	for _, tt := range []struct{ path, want string }{
		{"/runs?from=yesterday", "From &#34;yesterday&#34; is not a date: write it as 2026-12-01"},
		{"/runs?from=2026-12-05&to=2026-12-01", "From 2026-12-05 comes after to 2026-12-01: swap them"},
		{"/runs?trigger=cron", "Trigger &#34;cron&#34; is not one of schedule, manual, cli, api, dag"},
		{"/runs?tz=" + url.QueryEscape("Mars/Base"), "Tz &#34;Mars/Base&#34; is not a time zone"},
		{"/dags?status=on", "Status &#34;on&#34; is not one of active, paused"},
	} {
		rec := f.do(t, "GET", tt.path, nil, nil)
		if body := rec.Body.String(); rec.Code != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s = %d, want 400 saying %q\n%.2000s", tt.path, rec.Code, tt.want, body)
		}
	}
}

func TestDAGListFilters(t *testing.T) {
	f := newFixture(t, false)
	if err := f.flows.SetPaused(t.Context(), "report", true); err != nil {
		t.Fatal(err)
	}
	dagNames := func(body string) []string {
		var names []string
		for _, part := range strings.Split(body, `data-testid="dag-row" data-dag="`)[1:] {
			names = append(names, part[:strings.IndexByte(part, '"')])
		}
		return names
	}
	tests := []struct {
		query    string
		want     string
		contains []string
	}{
		{"", "[broken hello nightly report]", []string{">4 DAGs</p>", `href="/dags?tag=reports" title="DAGs tagged reports" data-testid="dag-tag"`}},
		{"q=EL", "[hello]", []string{`name="q" value="EL"`, ">1 of 4 DAGs</p>", `href="/dags" data-testid="filter-reset"`}},
		{"tag=reports", "[nightly]", []string{`<option value="reports" selected>`}},
		{"status=paused", "[report]", []string{`<option value="paused" selected>`}},
		{"status=active&tag=example", "[hello]", nil},
		{"status=paused&tag=example&q=x", "[]", []string{"No paused DAGs tagged example with “x” in their name.", `data-testid="filter-empty-reset"`}},
	}
	for _, tt := range tests {
		rec := f.do(t, "GET", "/dags?"+tt.query, nil, nil)
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Fatalf("GET /dags?%s = %d", tt.query, rec.Code)
		}
		if got := fmt.Sprint(dagNames(body)); got != tt.want {
			t.Errorf("/dags?%s shows %s, want %s", tt.query, got, tt.want)
		}
		for _, s := range tt.contains {
			if !strings.Contains(body, s) {
				t.Errorf("/dags?%s lacks %s", tt.query, s)
			}
		}
	}
}
