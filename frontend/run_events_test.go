package frontend_test

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/events"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend"
)

// sseEvent is one server-sent event: its name and its data lines joined.
type sseEvent struct{ name, data string }

// readEvent reads the next event, skipping comments; ok is false at the
// end of the stream.
func readEvent(t *testing.T, r *bufio.Reader) (ev sseEvent, ok bool) {
	t.Helper()
	var data []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if line != "" {
				t.Fatalf("stream ended mid-line %q: %v", line, err)
			}
			return ev, false
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case line == "" && ev.name != "":
			ev.data = strings.Join(data, "\n")
			return ev, true
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		}
	}
}

// waitEvent reads events until one named name whose data holds want.
func waitEvent(t *testing.T, r *bufio.Reader, name, want string) sseEvent {
	t.Helper()
	for {
		ev, ok := readEvent(t, r)
		if !ok {
			t.Fatalf("stream ended before event %q with %q", name, want)
		}
		if ev.name == name && strings.Contains(ev.data, want) {
			return ev
		}
	}
}

func TestRunEventsStreamChangesUntilTheRunEnds(t *testing.T) {
	f := newFixture(t, false)
	bus := &events.Bus{}
	h := f.signedIn(t, frontend.New(frontend.Options{
		Store: f.store, Installation: f.store, Workflows: f.flows, Control: f.flows, History: f.flows,
		Variables: f.vars, Logs: f.logs, Info: f.info, Events: bus, Sessions: f.auth,
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	start := time.Now()
	runID := f.addRun(t, "nightly", model.RunRunning, start, map[string]model.TaskState{"extract": model.TaskRunning})
	runURL := "/runs/" + strconv.FormatInt(runID, 10)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", runURL, nil))
	if rec.Code != 200 {
		t.Fatalf("run page = %d", rec.Code)
	}
	page := rec.Body.String()
	for _, want := range []string{`hx-ext="sse"`, `sse-connect="` + runURL + `/events"`, `sse-swap="tasks"`, `sse-swap="done"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the active run's page lacks %s", want)
		}
	}
	if strings.Contains(page, `data-testid="poller"`) {
		t.Error("a streaming run page polls too")
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+runURL+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("events = %d %s", res.StatusCode, ct)
	}
	r := bufio.NewReader(res.Body)
	waitEvent(t, r, "tasks", `data-task="extract" data-state="running"`)

	// The engine writes a change and says so.
	task := model.TaskRun{RunID: runID, TaskID: "extract", State: model.TaskSuccess, Try: 1, MaxTries: 2, StartedAt: start, EndedAt: start.Add(time.Second)}
	if err := f.store.SaveBatch(ctx, model.Batch{Tasks: []model.TaskRun{task}}); err != nil {
		t.Fatal(err)
	}
	bus.Publish(runID)
	waitEvent(t, r, "tasks", `data-task="extract" data-state="success"`)

	run, err := f.store.Run(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	run.State, run.EndedAt = model.RunSuccess, start.Add(2*time.Second)
	if err := f.store.SaveBatch(ctx, model.Batch{Runs: []model.Run{run}}); err != nil {
		t.Fatal(err)
	}
	bus.Publish(runID)
	done := waitEvent(t, r, "done", `data-state="success"`)
	if strings.Contains(done.data, "sse-connect") || strings.Contains(done.data, `data-testid="poller"`) {
		t.Errorf("the ended run's markup still listens:\n%s", done.data)
	}
	if ev, ok := readEvent(t, r); ok {
		t.Errorf("after done the stream sent %q, want its end", ev.name)
	}
}

func TestRunEventsOfAnEndedRunSendDoneAtOnce(t *testing.T) {
	f := newFixture(t, false)
	h := f.signedIn(t, frontend.New(frontend.Options{
		Store: f.store, Installation: f.store, Workflows: f.flows, Control: f.flows, History: f.flows,
		Variables: f.vars, Logs: f.logs, Info: f.info, Events: &events.Bus{}, Sessions: f.auth,
	}))
	runID := f.addRun(t, "nightly", model.RunFailed, time.Now(), map[string]model.TaskState{"extract": model.TaskFailed})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/runs/"+strconv.FormatInt(runID, 10)+"/events", nil))
	ev, ok := readEvent(t, bufio.NewReader(rec.Body))
	if !ok || ev.name != "done" || !strings.Contains(ev.data, `data-state="failed"`) {
		t.Errorf("first event = %q, %.200s; want done with the failed run", ev.name, ev.data)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/runs/999/events", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("events of an unknown run = %d, want 404", rec.Code)
	}
}

func TestGraphEventsStreamUntilTheRunEnds(t *testing.T) {
	f := newFixture(t, false)
	bus := &events.Bus{}
	h := f.signedIn(t, frontend.New(frontend.Options{
		Store: f.store, Installation: f.store, Workflows: f.flows, Control: f.flows, History: f.flows,
		Variables: f.vars, Logs: f.logs, Info: f.info, Events: bus, Sessions: f.auth,
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	start := time.Now()
	runID := f.addRun(t, "nightly", model.RunRunning, start, map[string]model.TaskState{"extract": model.TaskRunning})

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "GET", "/dags/nightly", nil))
	if page := rec.Body.String(); !strings.Contains(page, `sse-connect="/dags/nightly/events"`) || strings.Contains(page, `data-testid="poller"`) {
		t.Errorf("the graph of an active run does not stream, or polls too:\n%.400s", page)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/dags/nightly/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	waitEvent(t, r, "graph", `data-task="extract" data-state="running"`)

	run, err := f.store.Run(ctx, runID)
	if err != nil {
		t.Fatal(err)
	}
	run.State, run.EndedAt = model.RunFailed, start.Add(time.Second)
	task := model.TaskRun{RunID: runID, TaskID: "extract", State: model.TaskFailed, Try: 1, MaxTries: 2, StartedAt: start, EndedAt: start.Add(time.Second)}
	if err := f.store.SaveBatch(ctx, model.Batch{Runs: []model.Run{run}, Tasks: []model.TaskRun{task}}); err != nil {
		t.Fatal(err)
	}
	bus.Publish(runID)
	done := waitEvent(t, r, "done", `data-task="extract" data-state="failed"`)
	if strings.Contains(done.data, "sse-connect") {
		t.Errorf("the ended run's graph still listens:\n%s", done.data)
	}
	if ev, ok := readEvent(t, r); ok {
		t.Errorf("after done the stream sent %q, want its end", ev.name)
	}
}
