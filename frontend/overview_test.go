package frontend_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// The Overview says what runs now, what failed in the last day and what
// runs next, each linked, and links every DAG file to its code.
func TestOverviewShowsRuns(t *testing.T) {
	f := newFixture(t, false)
	now := time.Now()
	running := f.addRun(t, "hello", model.RunRunning, now.Add(-3*time.Minute), map[string]model.TaskState{
		"greet": model.TaskSuccess, "count_a": model.TaskRunning,
	})
	failed := f.addRun(t, "nightly", model.RunFailed, now.Add(-2*time.Hour), map[string]model.TaskState{
		"extract": model.TaskFailed, "load": model.TaskUpstreamFailed,
	})
	tasks, err := f.store.TaskRuns(t.Context(), failed)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range tasks {
		if tr.TaskID == "extract" {
			tr.Error = "exit status 3\nand a second line"
			if err := f.store.SaveBatch(t.Context(), model.Batch{Tasks: []model.TaskRun{tr}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	old := f.addRun(t, "nightly", model.RunFailed, now.Add(-30*time.Hour), map[string]model.TaskState{"extract": model.TaskFailed})
	next := time.Date(now.Year()+1, 1, 2, 1, 30, 0, 0, time.UTC) // 02:30 in Berlin
	if err := f.store.SaveDAGState(t.Context(), "report", model.DAGState{NextRunAt: next}); err != nil {
		t.Fatal(err)
	}
	run := func(n int64) string { return fmt.Sprint(n) }

	rec := f.do(t, "GET", "/", nil, nil)
	body := rec.Body.String()
	if rec.Code != 200 {
		t.Fatalf("GET / = %d", rec.Code)
	}
	section := func(testid string) string {
		i := strings.Index(body, `data-testid="`+testid+`"`)
		if i < 0 {
			t.Fatalf("the Overview has no %s section", testid)
		}
		end := strings.Index(body[i:], "</section>")
		return body[i : i+end]
	}
	for _, tt := range []struct {
		section  string
		contains []string
		not      []string
	}{
		{"overview-running", []string{
			`data-run="` + run(running) + `"`, `href="/runs/` + run(running) + `"`, `href="/dags/hello"`,
			`data-t="rel"`, ">3 min ago</time>", `<progress value="1" max="4">`, "1 of 4 tasks done",
		}, []string{`data-run="` + run(failed) + `"`}},
		{"overview-failures", []string{
			`data-run="` + run(failed) + `"`, `href="/runs/` + run(failed) + `"`, `href="/dags/nightly"`,
			`href="/runs/` + run(failed) + `?task=extract#logs" data-testid="failed-task">extract</a>`,
			`title="exit status 3">exit status 3</td>`,
		}, []string{`data-run="` + run(old) + `"`, "second line", `failed-task">load`}},
		{"overview-next", []string{
			`data-dag="report"`, `href="/dags/report"`, "every day at 02:30", `data-t="abs"`,
			next.Format("2006") + "-01-02 02:30 Europe/Berlin</time>",
		}, nil},
		{"dag-files", []string{
			`href="/dags/hello?view=code"`, "<code>hello.yaml</code>", `href="/dags/nightly?view=code"`, "<code>nightly.yml</code>",
		}, []string{"notes.txt"}},
	} {
		s := section(tt.section)
		for _, want := range tt.contains {
			if !strings.Contains(s, want) {
				t.Errorf("%s lacks %s\n%s", tt.section, want, s)
			}
		}
		for _, bad := range tt.not {
			if strings.Contains(s, bad) {
				t.Errorf("%s has %s", tt.section, bad)
			}
		}
	}
}

// With nothing running, failed or scheduled, each section says so.
func TestOverviewWithoutRuns(t *testing.T) {
	f := newFixture(t, false)
	body := f.do(t, "GET", "/", nil, nil).Body.String()
	for _, want := range []string{"Nothing is running.", "No run failed in the last 24 hours.", "No DAG has a schedule that is on."} {
		if !strings.Contains(body, want) {
			t.Errorf("the Overview lacks %q", want)
		}
	}
}
