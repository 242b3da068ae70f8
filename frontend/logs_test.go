package frontend_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// logRun is a failed run of hello whose count_a failed twice, writing to
// stdout and stderr, with colours and escapes a task might print.
func logRun(t *testing.T, f *fixture) (runID int64) {
	t.Helper()
	start := time.Now().Add(-time.Hour)
	runID = f.addRun(t, "hello", model.RunFailed, start, map[string]model.TaskState{
		"greet": model.TaskSuccess, "count_a": model.TaskFailed, "count_b": model.TaskSuccess, "sum": model.TaskUpstreamFailed,
	})
	// count_a's first try failed with exit 3 and was retried; its second
	// failed with exit 1.
	three, one := 3, 1
	tryStart := start.Add(2 * time.Second)
	first := model.TaskRun{
		RunID: runID, TaskID: "count_a", State: model.TaskUpForRetry, Try: 1, MaxTries: 2,
		StartedAt: tryStart, EndedAt: tryStart.Add(1500 * time.Millisecond), ExitCode: &three, Error: "exit status 3; stderr:\ndisk full",
	}
	second := first
	second.State, second.Try, second.ExitCode, second.Error = model.TaskFailed, 2, &one, "exit status 1"
	second.StartedAt, second.EndedAt = tryStart.Add(4*time.Second), tryStart.Add(6500*time.Millisecond)
	if err := f.store.SaveBatch(t.Context(), model.Batch{Tasks: []model.TaskRun{second}, Tries: []model.TaskRun{first, second}}); err != nil {
		t.Fatal(err)
	}
	for try, lines := range map[int][][2]string{
		1: {{"out", "counting a\n"}, {"err", "disk full\n"}},
		2: {
			{"out", "\x1b[1;31mred <script>alert(1)</script>\x1b[0m plain\n"},
			{"out", "progress 10%\rprogress 100%\n"},
			{"out", "\x1b]0;pwned-title\x07after the title\n"},
			{"err", "failed: no such file\n"},
		},
	} {
		l := f.logs.Create(tasklog.Key{DAG: "hello", RunID: runID, Task: "count_a", Try: try}, nil)
		for _, line := range lines {
			w := l.Stdout()
			if line[0] == "err" {
				w = l.Stderr()
			}
			if _, err := w.Write([]byte(line[1])); err != nil {
				t.Fatal(err)
			}
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return runID
}

// Every line of a task's log is numbered and linkable, carries its time,
// and says when it came from stderr; colours show as classes and nothing
// the task printed becomes markup. Each try says how it went.
func TestRunPageLogViewer(t *testing.T) {
	f := newFixture(t, false)
	id := strconv.FormatInt(logRun(t, f), 10)
	rec := f.do(t, "GET", "/runs/"+id+"?task=count_a", nil, nil)
	if rec.Code != 200 {
		t.Fatalf("run page = %d\n%s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`id="log-count_a-2-L1"`, `href="#log-count_a-2-L1"`, `id="log-count_a-1-L2"`,
		`<div class="ln err" id="log-count_a-2-L4">`, `title="written to stderr"`,
		`<span class="a-f1 a-b">red &lt;script&gt;alert(1)&lt;/script&gt;</span> plain`,
		"progress 100%", "after the title",
		`data-t="clock"`,
		"try 1 of 2", "try 2 of 2", "exit 3", "exit 1", "took 1.5 s", "took 2.5 s",
		// the earlier try's error, under its header
		`data-testid="try-error">exit status 3; stderr:` + "\ndisk full",
		`href="/runs/` + id + `/tasks/count_a/tries/2/log"`, `href="/runs/` + id + `/tasks/count_a/tries/1/log"`,
		`data-testid="log-search"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	for _, leak := range []string{"<script>alert", "progress 10%", "pwned-title", "\x1b", "\r", "@components"} {
		if strings.Contains(body, leak) {
			t.Errorf("run page has %q", leak)
		}
	}
	// The follow switch is for runs still writing.
	if strings.Contains(body, `data-testid="log-follow"`) {
		t.Error("an ended run offers to follow its logs")
	}
}

// The download is the whole log, each line with its time and stream, as a
// file named after the run and try.
func TestLogDownload(t *testing.T) {
	f := newFixture(t, false)
	runID := logRun(t, f)
	id := strconv.FormatInt(runID, 10)
	rec := f.do(t, "GET", "/runs/"+id+"/tasks/count_a/tries/1/log", nil, nil)
	if rec.Code != 200 {
		t.Fatalf("download = %d\n%s", rec.Code, rec.Body)
	}
	if got, want := rec.Header().Get("Content-Disposition"), "attachment; filename=hello-run"+id+"-count_a.1.log"; got != want {
		t.Errorf("Content-Disposition = %q, want %q", got, want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	shape := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z out counting a\n\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z err disk full\n$`)
	if !shape.MatchString(rec.Body.String()) {
		t.Errorf("download = %q, want both lines with their times and streams", rec.Body.String())
	}

	for _, tt := range []struct{ path, want string }{
		{"/runs/" + id + "/tasks/count_a/tries/3/log", "there is no try 3"},
		{"/runs/" + id + "/tasks/count_a/tries/x/log", "there is no try x"},
		{"/runs/" + id + "/tasks/nope/tries/1/log", "has no task named nope"},
		{"/runs/" + id + "/tasks/greet/tries/1/log", "wrote nothing"},
		{"/runs/999/tasks/greet/tries/1/log", "There is no run 999"},
	} {
		rec := f.do(t, "GET", tt.path, nil, nil)
		if rec.Code != 404 || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("GET %s = %d, want 404 saying %q\n%s", tt.path, rec.Code, tt.want, rec.Body)
		}
		if cd := rec.Header().Get("Content-Disposition"); cd != "" {
			t.Errorf("GET %s: the error page comes as a download (%s)", tt.path, cd)
		}
	}
}
