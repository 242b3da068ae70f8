package app

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

// What a client changes through the API is on record like what a browser
// changes: done or refused, with its status and the api as its source.
func TestAPIChangesAreAudited(t *testing.T) {
	addr, a := serveForTest(t, defaultTimeouts())
	client, err := a.Dir.Remote()
	if err != nil {
		t.Fatal(err)
	}
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

	events, err := a.Store.AuditEvents(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		if strings.HasPrefix(e.Source, "api ") {
			got = append(got, e.Action+" "+e.Target+" "+http.StatusText(e.Status)+" from "+e.Source)
		}
	}
	slices.Reverse(got) // oldest first
	want := []string{
		"dag.trigger slow OK from api 127.0.0.1",
		"run.retry_failed run " + strconv.FormatInt(run.ID, 10) + " Conflict from api 127.0.0.1",
		"run.cancel run 999 Not Found from api 127.0.0.1",
		"dag.pause slow OK from api 127.0.0.1",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit log of the api =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(events) != len(got) {
		t.Errorf("%d events besides the api's: %+v", len(events)-len(got), events)
	}
}
