package app

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/model"
)

// serveAPIForTest runs serveForTest's server and returns a client of its
// API, as the CLI finds it.
func serveAPIForTest(t *testing.T) (addr string, a *App, client *api.Client) {
	t.Helper()
	addr, a = serveForTest(t, defaultTimeouts())
	client, err := a.Dir.Remote()
	if err != nil {
		t.Fatal(err)
	}
	return addr, a, client
}

// What a client changes through the API is on record like what a browser
// changes: done or refused, with the reason, the api as its source and
// the token holder as its actor.
func TestAPIChangesAreAudited(t *testing.T) {
	addr, a, client := serveAPIForTest(t)
	ctx := t.Context()
	run, err := client.Trigger(ctx, "slow", nil, model.TriggerCLI)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Retry(ctx, run.ID, true); err == nil {
		t.Fatal("retrying a run still in flight worked")
	}
	if err := client.Cancel(ctx, 999); err == nil {
		t.Fatal("cancelling an unknown run worked")
	}
	if err := client.SetPaused(ctx, "slow", true); err != nil {
		t.Fatal(err)
	}
	// A request without the token names nothing and is not recorded.
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/api/v1/runs/1/cancel", strings.NewReader("{}"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("cancel without a token = %d, want 401", resp.StatusCode)
	}

	events, err := a.Store.AuditEvents(ctx, model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, fmt.Sprintf("%s by %s at %s: %s %s %s %s", e.Source, e.Actor, e.Address, e.Action, e.Target, e.Outcome, e.Reason))
	}
	slices.Reverse(got) // oldest first
	want := []string{
		"api by API token at 127.0.0.1: dag.trigger dag slow done ",
		"api by API token at 127.0.0.1: run.retry_failed run " + strconv.FormatInt(run.ID, 10) + " refused run " +
			strconv.FormatInt(run.ID, 10) + " has no failed, upstream_failed or cancelled task to retry",
		"api by API token at 127.0.0.1: run.cancel run 999 refused unknown run 999",
		"api by API token at 127.0.0.1: dag.pause dag slow done ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit log of the api =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// The run list of the API pages and filters as the UI's does, answers []
// for a DAG without such runs, and 404 for a DAG that does not exist.
func TestAPIRunListFiltersAndPages(t *testing.T) {
	addr, _, client := serveAPIForTest(t)
	ctx := t.Context()
	first, err := client.Trigger(ctx, "slow", nil, model.TriggerCLI)
	if err != nil {
		t.Fatal(err)
	}
	second, err := client.Trigger(ctx, "slow", nil, model.TriggerAPI) // queued behind the first
	if err != nil {
		t.Fatal(err)
	}
	ids := func(f model.RunFilter) []int64 {
		t.Helper()
		runs, err := client.Runs(ctx, f)
		if err != nil {
			t.Fatalf("runs %+v: %v", f, err)
		}
		var out []int64
		for _, r := range runs {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(model.RunFilter{DAG: "slow"}); !slices.Equal(got, []int64{second.ID, first.ID}) {
		t.Errorf("runs of slow = %v", got)
	}
	if got := ids(model.RunFilter{DAG: "slow", BeforeID: second.ID}); !slices.Equal(got, []int64{first.ID}) {
		t.Errorf("the page before run %d = %v", second.ID, got)
	}
	if got := ids(model.RunFilter{DAG: "slow", States: []model.RunState{model.RunQueued}}); !slices.Equal(got, []int64{second.ID}) {
		t.Errorf("queued runs = %v", got)
	}
	if got := ids(model.RunFilter{Limit: 1}); !slices.Equal(got, []int64{second.ID}) {
		t.Errorf("newest run of all = %v", got)
	}
	if got := ids(model.RunFilter{Triggers: []model.Trigger{model.TriggerCLI}}); !slices.Equal(got, []int64{first.ID}) {
		t.Errorf("runs triggered from the command line = %v", got)
	}
	if got := ids(model.RunFilter{From: first.QueuedAt.Add(-time.Hour), To: first.QueuedAt.Add(time.Hour)}); !slices.Equal(got, []int64{second.ID, first.ID}) {
		t.Errorf("runs of the last hour = %v", got)
	}
	if got := ids(model.RunFilter{From: first.QueuedAt.Add(time.Hour)}); len(got) != 0 {
		t.Errorf("runs from an hour on = %v", got)
	}
	if _, err := client.Runs(ctx, model.RunFilter{DAG: "nope"}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("runs of an unknown DAG: %v, want not found", err)
	}

	get := func(path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+client.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}
	if code, body := get("/api/v1/dags/slow/runs?state=success,cancelled"); code != 200 || body != "[]" {
		t.Errorf("no such runs = %d %s, want 200 []", code, body)
	}
	if code, body := get("/api/v1/dags/slow/runs?state=done"); code != 422 || !strings.Contains(body, `state \"done\" is not one of queued, running, success, failed, cancelled`) {
		t.Errorf("unknown state = %d %s", code, body)
	}
	if code, body := get("/api/v1/dags/slow/runs?before=x"); code != 422 || !strings.Contains(body, "before must be a run id") {
		t.Errorf("bad before = %d %s", code, body)
	}
	if code, body := get("/api/v1/runs?from=2000-01-01&to=2000-01-02"); code != 200 || body != "[]" {
		t.Errorf("runs of days long gone = %d %s, want 200 []", code, body)
	}
	if code, body := get("/api/v1/runs?from=1.1.2000"); code != 422 || !strings.Contains(body, `from \"1.1.2000\" is not a date: write it as 2026-12-01`) {
		t.Errorf("a bad day = %d %s", code, body)
	}
	if code, body := get("/api/v1/dags?q=SLO"); code != 200 || !strings.Contains(body, `"name":"slow"`) || strings.Contains(body, `"name":"hello"`) {
		t.Errorf("DAGs named like slo = %d %s", code, body)
	}
	if code, body := get("/api/v1/dags?status=on"); code != 422 || !strings.Contains(body, `status \"on\" is not one of active, paused`) {
		t.Errorf("a bad DAG status = %d %s", code, body)
	}
}

// GET /api/v1/audit filters as the Audit page does, answers [] for no
// match, and refuses a filter no event can match with 422 and why.
func TestAPIAuditListFilters(t *testing.T) {
	addr, _, client := serveAPIForTest(t)
	ctx := t.Context()
	if _, err := client.Trigger(ctx, "slow", nil, model.TriggerAPI); err != nil {
		t.Fatal(err)
	}
	if err := client.Cancel(ctx, 999); err == nil {
		t.Fatal("cancelling an unknown run worked")
	}
	events, err := client.AuditEvents(ctx, model.AuditFilter{Source: model.SourceAPI, Outcome: model.OutcomeRefused})
	if err != nil || len(events) != 1 || events[0].Action != model.ActionRunCancel || events[0].Reason != "unknown run 999" {
		t.Fatalf("refused api events = %+v (%v), want the cancel of run 999", events, err)
	}
	get := func(query string) (int, string) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+addr+"/api/v1/audit?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+client.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(body))
	}
	if code, body := get("action=dag.trigger&target=slow"); code != 200 ||
		!strings.Contains(body, `"source":"api","actor":"API token","address":"127.0.0.1","action":"dag.trigger","target":{"kind":"dag","id":"slow"},"outcome":"done"}`) {
		t.Errorf("trigger events = %d %s", code, body)
	}
	if code, body := get("target=nothing-like-it"); code != 200 || body != "[]" {
		t.Errorf("no match = %d %s, want 200 []", code, body)
	}
	if code, body := get("outcome=ok"); code != 422 || !strings.Contains(body, `outcome \"ok\" is not one of done, refused, failed`) {
		t.Errorf("unknown outcome = %d %s", code, body)
	}
}
