package cli

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/meshflow/meshflow/internal/syncbuf"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/model"
)

// burstDAG runs one long task at a time, so a burst of triggers queues
// runs rather than starting hundreds of processes.
const burstDAG = "name: burst\ntasks:\n  - {id: nap, op: shell, with: {command: 'sleep 30'}}\n"

// seed makes a data dir with the starter DAGs and burstDAG.
func seed(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := runIn(t.Context(), dir, "dag", "list"); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "dags", "burst.yaml"), []byte(burstDAG), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// apiOf is a plain API client of the server that owns dir, as any program
// with the token in server.json makes one: without the CLI's name.
func apiOf(t *testing.T, dir string) *api.Client {
	t.Helper()
	c, err := app.DataDir(dir).Remote()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// uiPost sends a form as a signed-in browser does, without following the
// redirect, and returns the status.
func uiPost(t *testing.T, s *server, path string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.url+path, strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.AddCookie(s.session(t))
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// uiGet reads a page as the signed-in browser.
func uiGet(t *testing.T, s *server, path string) string {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.url+path, nil)
	req.AddCookie(s.session(t))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%.500s", path, resp.StatusCode, body)
	}
	return string(body)
}

// The same change made in a browser, through the API and with a meshflow
// command is recorded with the same action, target and outcome — and a
// refusal with the same reason — each with its own source, however each
// face answered (a 303, a 200 with JSON, an exit status).
func TestSameActionReadsTheSameOnEveryFace(t *testing.T) {
	dir := seed(t)
	s := startServe(t, dir)
	plain := apiOf(t, dir)
	ctx := t.Context()

	if code := uiPost(t, s, "/dags/hello/pause"); code != http.StatusSeeOther {
		t.Fatalf("pause in the UI = %d", code)
	}
	if err := plain.SetPaused(ctx, "hello", true); err != nil {
		t.Fatal(err)
	}
	if out, err := runIn(ctx, dir, "dag", "pause", "hello"); err != nil {
		t.Fatalf("dag pause: %v\n%s", err, out)
	}
	if code := uiPost(t, s, "/runs/999/cancel"); code != http.StatusNotFound {
		t.Fatalf("cancel of an unknown run in the UI = %d", code)
	}
	if err := plain.Cancel(ctx, 999); err == nil {
		t.Fatal("cancel of an unknown run through the API worked")
	}
	if _, err := runIn(ctx, dir, "dag", "cancel", "999"); err == nil {
		t.Fatal("dag cancel 999 worked")
	}

	events, err := plain.AuditEvents(ctx, model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, e := range events {
		if e.Action == model.ActionLogin || e.Action == model.ActionLoginLink {
			continue
		}
		got[e.Action] = append(got[e.Action], fmt.Sprintf("%s: %s %s %s", e.Source, e.Target, e.Outcome, e.Reason))
	}
	want := map[string][]string{ // newest first
		model.ActionDAGPause:  {"cli: dag hello done ", "api: dag hello done ", "ui: dag hello done "},
		model.ActionRunCancel: {"cli: run 999 refused unknown run 999", "api: run 999 refused unknown run 999", "ui: run 999 refused unknown run 999"},
	}
	for action, w := range want {
		if !slices.Equal(got[action], w) {
			t.Errorf("%s on the three faces:\n got %q\nwant %q", action, got[action], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("other events recorded: %q", got)
	}
	for _, e := range events {
		if e.Action == model.ActionLoginLink { // serve's, printed at its start
			continue
		}
		switch e.Source {
		case model.SourceUI:
			if !strings.HasPrefix(e.Actor, "browser session ") || e.Address != "127.0.0.1" {
				t.Errorf("a browser's event names %q at %q, want its session and address", e.Actor, e.Address)
			}
		case model.SourceCLI:
			if e.Actor != "API token via cli/v1.2.3" || e.Address != "127.0.0.1" {
				t.Errorf("the CLI's event names %q at %q, want the token, the CLI's version and the address", e.Actor, e.Address)
			}
		}
	}

	// The Audit page, the API and `meshflow audit` filter alike.
	page := uiGet(t, s, "/audit?source=cli&outcome=refused")
	if !strings.Contains(page, "1 of 8 events match.") || !strings.Contains(page, `href="/runs/999"`) {
		t.Errorf("filtered Audit page lacks its count or the run's link:\n%s", page)
	}
	out, err := runIn(ctx, dir, "audit", "--source", "cli", "--outcome", "refused")
	if err != nil || !strings.Contains(out, "run.cancel") || strings.Contains(out, "dag.pause") ||
		!strings.Contains(out, "unknown run 999") {
		t.Errorf("meshflow audit --source cli --outcome refused: %v\n%s", err, out)
	}
}

// The bug of issue 7: after a burst of CLI triggers through the server
// the log listed a handful. Each of 300 triggers, four at a time, is one
// event, recorded as the CLI's.
func TestEveryCLITriggerThroughTheServerIsRecorded(t *testing.T) {
	dir := seed(t)
	startServe(t, dir)
	const n, parallel = 300, 4
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range parallel {
		wg.Go(func() {
			for i := w; i < n; i += parallel {
				if out, err := runIn(t.Context(), dir, "dag", "trigger", "burst"); err != nil {
					errs <- fmt.Errorf("trigger %d: %w\n%s", i, err, out)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	f := model.AuditFilter{Source: model.SourceCLI, Action: model.ActionDAGTrigger, Limit: 1000}
	events, err := apiOf(t, dir).AuditEvents(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, e := range events {
		if e.Outcome == model.OutcomeDone && e.Target == model.DAGTarget("burst") {
			done++
		}
	}
	if len(events) != n || done != n {
		t.Errorf("%d CLI triggers recorded %d events, %d of them done; want %d done", n, len(events), done, n)
	}
}

// Commands that work on the data dir with no server in between record
// their changes too, through the same store method, as the local user's;
// a secret's value is in no event, on no page and in no output.
func TestCommandsOnTheDataDirAreRecorded(t *testing.T) {
	dir := seed(t)
	ctx := t.Context()
	const secret = "s3cr3t-VALUE-never-shown"
	steps := []struct {
		args  []string
		stdin string
		fails bool
	}{
		{args: []string{"var", "set", "BUCKET", "s3://reports"}},
		{args: []string{"var", "set", "TOKEN", "--secret"}, stdin: secret},
		{args: []string{"var", "set", "bad-name", "--secret"}, stdin: secret, fails: true},
		{args: []string{"var", "rm", "NOPE"}, fails: true},
		{args: []string{"var", "rm", "BUCKET"}},
		{args: []string{"dag", "pause", "hello"}},
		{args: []string{"dag", "trigger", "nope"}, fails: true},
	}
	for _, st := range steps {
		var out syncbuf.Buffer
		err := Run(ctx, append(st.args, "--data", dir), Env{
			Version: "v1.2.3", Examples: os.DirFS("../../testdata/examples"), Stdin: strings.NewReader(st.stdin),
			Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" },
		})
		if (err != nil) != st.fails {
			t.Fatalf("%v: %v (want failure: %v)\n%s", st.args, err, st.fails, out.String())
		}
	}

	out, err := runIn(ctx, dir, "audit", "-n", "100")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
		got = append(got, strings.Join(strings.Fields(line)[3:], " ")) // after id, date and time
	}
	slices.Reverse(got)
	who := app.LocalOrigin().Actor
	want := []string{
		"cli " + who + " variable.set variable BUCKET done -",
		"cli " + who + " variable.set variable TOKEN done -",
		"cli " + who + ` variable.set variable bad-name refused variable name "bad-name": use letters, digits and _, starting with a letter (templates read it as .vars.bad-name)`,
		"cli " + who + " variable.delete variable NOPE refused no variable NOPE",
		"cli " + who + " variable.delete variable BUCKET done -",
		"cli " + who + " dag.pause dag hello done -",
		"cli " + who + ` dag.trigger dag nope refused no such DAG "nope" in ` + filepath.Join(dir, "dags") + " (known: aws-and-azure-vms, burst,",
	}
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = strings.HasPrefix(got[i], want[i])
	}
	if !same {
		t.Errorf("meshflow audit, oldest first:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(out, secret) {
		t.Errorf("meshflow audit prints the secret:\n%s", out)
	}

	s := startServe(t, dir)
	if page := uiGet(t, s, "/audit"); strings.Contains(page, secret) || !strings.Contains(page, "variable TOKEN") {
		t.Errorf("the Audit page shows the secret, or not the change that set it:\n%s", page)
	}
	if page := uiGet(t, s, "/audit?target=nothing-like-this&source=desktop"); !strings.Contains(page, "No events match") ||
		!strings.Contains(page, `has source desktop and a target containing &#34;nothing-like-this&#34;.`) {
		t.Errorf("an empty filter result does not name the filter:\n%s", page)
	}
}
