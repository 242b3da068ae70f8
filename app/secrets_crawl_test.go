package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/cloud/openstack/osfake"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/internal/syncbuf"
)

// crawlCanary is the one secret of every connection in the crawl test.
const crawlCanary = "CANARY-crawl-8c41-DO-NOT-SHOW"

// crawlDAG makes VMs on the working clouds, fails on the cloud that
// refuses its key, and stops what it made: pages with runs, task logs,
// VMs, events and cloud errors for the crawl to read.
const crawlDAG = `name: canary-vms
tasks:
  - id: aws
    op: vm.create
    with: {connection: aws-lab, count: 2, prefix: crawl, image: ami-0a1b2c3d4e5f60001, flavor: t3.micro, ssh_from: 203.0.113.7/32}
  - id: chameleon
    op: vm.create
    with: {connection: chameleon, names: [crawl-os-1], image: ubuntu-22.04, flavor: m1.small, ssh_from: 203.0.113.7/32}
  - id: refused
    op: vm.create
    with: {connection: aws-refused, count: 1, image: ami-0a1b2c3d4e5f60001, flavor: t3.micro, ssh_from: 203.0.113.7/32, wait: none}
  - id: stop
    op: vm.stop
    needs: [aws]
    with: {connection: aws-lab, tags: {meshflow-test: crawl}, wait: true}
  - id: echo
    op: shell
    needs: [chameleon]
    with: {command: 'echo the VMs are {{ .tasks.chameleon.outputs.names }}'}
`

// The canary campaign: one secret sealed into a connection of every kind —
// two that work (EC2 and OpenStack fakes), one EC2 cloud that refuses the
// key, an Azure subscription whose sign-in cannot be reached, SSH hosts with a key
// that is no key — then a refresh, a connection test of each, a DAG run
// that makes, stops and fails to make VMs, and a crawl of every page and
// API answer the UI links to. The secret is in no page, no API answer, no
// server log line at debug level, and no file of the data dir in the
// clear (the database, the task logs, the audit log).
func TestNoPageAPIAnswerLogOrFileShowsASecret(t *testing.T) {
	logs := &syncbuf.Buffer{}
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIACRAWL", BootTime: 50 * time.Millisecond, StopTime: 50 * time.Millisecond})
	t.Cleanup(ec2.Close)
	ostack := osfake.New()
	t.Cleanup(ostack.Close)
	ostack.SetPassword(crawlCanary)
	echo := echoCloud(t)
	dataDir := t.TempDir()
	s := startSiteLogged(t, dataDir, map[string]string{"canary-vms.yaml": crawlDAG},
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx := t.Context()

	conns := s.app.Connections()
	for _, c := range []model.Connection{
		{Name: "aws-lab", Kind: model.CloudAWS, Active: true, Settings: map[string]string{
			model.SettingRegion: "us-east-1", model.SettingAccessKeyID: "AKIACRAWL", model.SettingEndpoint: ec2.URL,
		}, Secrets: map[string]string{model.SecretAccessKey: crawlCanary, model.SecretSessionToken: crawlCanary}},
		{Name: "aws-refused", Kind: model.CloudAWS, Active: true, Settings: map[string]string{
			model.SettingRegion: "us-east-1", model.SettingAccessKeyID: "AKIAREFUSED", model.SettingEndpoint: ec2.URL,
		}, Secrets: map[string]string{model.SecretAccessKey: crawlCanary, model.SecretSessionToken: crawlCanary}},
		{Name: "aws-echo", Kind: model.CloudAWS, Active: true, Settings: map[string]string{
			model.SettingRegion: "us-east-1", model.SettingAccessKeyID: "AKIAECHO", model.SettingEndpoint: echo,
		}, Secrets: map[string]string{model.SecretAccessKey: crawlCanary, model.SecretSessionToken: crawlCanary}},
		{Name: "os-echo", Kind: model.CloudOpenStack, Active: true, Settings: map[string]string{
			model.SettingAuthURL: echo + "/v3", model.SettingUsername: "demo", model.SettingUserDomainName: "Default",
			model.SettingProjectName: "demo", model.SettingProjectDomainName: "Default",
		}, Secrets: map[string]string{model.SecretPassword: crawlCanary}},
		{Name: "chameleon", Kind: model.CloudOpenStack, Active: true, Settings: map[string]string{
			model.SettingAuthURL: ostack.AuthURL(), model.SettingUsername: osfake.Username, model.SettingUserDomainName: osfake.DomainName,
			model.SettingProjectName: osfake.ProjectName, model.SettingProjectDomainName: osfake.DomainName, model.SettingRegion: osfake.Region,
		}, Secrets: map[string]string{model.SecretPassword: crawlCanary}},
		// Inactive: a refresh would wait its whole minute for Azure's
		// unreachable sign-in; its test below says the same error.
		{Name: "azure-lab", Kind: model.CloudAzure, Settings: map[string]string{
			model.SettingSubscriptionID: "00000000-0000-0000-0000-000000000001", model.SettingTenantID: "00000000-0000-0000-0000-000000000003",
			model.SettingClientID: "00000000-0000-0000-0000-000000000002", model.SettingLocation: "eastus", model.SettingResourceGroup: "lab",
		}, Secrets: map[string]string{model.SecretClientSecret: crawlCanary}},
		{
			Name: "boxes", Kind: model.CloudHosts, Active: true, Hosts: []model.SSHHost{{Name: "box", Address: "127.0.0.1", Port: 22, User: "ann"}},
			Secrets: map[string]string{model.SecretPrivateKey: crawlCanary},
		},
	} {
		if _, err := conns.Add(ctx, c); err != nil {
			t.Fatalf("add %s: %v", c.Name, err)
		}
	}
	var said strings.Builder // every error and answer the backend gave
	for _, name := range []string{"aws-lab", "aws-refused", "aws-echo", "os-echo", "chameleon", "azure-lab", "boxes"} {
		// Azure's sign-in retries an unreachable endpoint until the
		// deadline; a short one keeps the test quick.
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		res, err := conns.Test(tctx, name)
		cancel()
		said.WriteString(name + ": " + res + " " + errText(err) + "\n")
	}
	if !strings.Contains(said.String(), "InvalidClientTokenId") || !strings.Contains(said.String(), "quoted back") {
		t.Fatalf("the refused key did not fail its test:\n%s", said.String())
	}
	statuses, err := s.app.Inventory().Refresh(ctx)
	said.WriteString(errText(err))
	for _, st := range statuses {
		said.WriteString(st.Connection + " " + st.Error + "\n")
	}

	client, err := s.app.Dir.Remote()
	if err != nil {
		t.Fatal(err)
	}
	run, err := client.Trigger(ctx, "canary-vms", nil, model.TriggerAPI)
	if err != nil {
		t.Fatal(err)
	}
	if run, err = client.Wait(ctx, run.ID); err != nil || run.State != model.RunFailed {
		t.Fatalf("canary-vms run = %s, %v; want failed (aws-refused refuses its key)", run.State, err)
	}
	if _, err := s.app.Inventory().Refresh(ctx); err != nil {
		said.WriteString(err.Error())
	}

	pages := crawl(t, s, client.Token)
	t.Logf("the crawl read %d pages and API answers", len(pages.visited))
	for _, want := range []string{"/connections", "/vms/show?vm=aws-lab", "/vms/show?vm=chameleon", "/runs/", "/log", "/api/v1/connections", "/api/v1/audit"} {
		if !anyContains(pages.visited, want) {
			t.Errorf("the crawl never reached %s; it read:\n%s", want, strings.Join(pages.visited, "\n"))
		}
	}
	if strings.Contains(pages.bodies.String(), crawlCanary) {
		t.Errorf("a page or API answer shows the secret: %s", around(pages.bodies.String(), crawlCanary))
	}
	if strings.Contains(said.String(), crawlCanary) {
		t.Errorf("a test result, refresh or error says the secret: %s", around(said.String(), crawlCanary))
	}
	if strings.Contains(logs.String(), crawlCanary) {
		t.Errorf("the server logged the secret: %s", around(logs.String(), crawlCanary))
	}
	err = filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(crawlCanary)) {
			t.Errorf("%s holds the secret in the clear", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// echoCloud is a hostile cloud: EC2 and Keystone endpoints that refuse
// every request and quote it back in their error message — the session
// token header, the body with the password — as some servers do.
func echoCloud(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		quoted := "quoted back: " + r.Header.Get("X-Amz-Security-Token") + " " + string(body)
		if strings.HasPrefix(r.URL.Path, "/v3") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": 401, "title": "Unauthorized", "message": quoted}})
			w.Write(b)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusUnauthorized)
		var msg bytes.Buffer
		xml.EscapeText(&msg, []byte(quoted))
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>AuthFailure</Code><Message>`+msg.String()+`</Message></Error></Errors><RequestID>echo</RequestID></Response>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// crawled is what a crawl read: the paths, and every body.
type crawled struct {
	visited []string
	bodies  strings.Builder
}

// linkRE finds the same-site links a page offers: anchors, htmx GETs,
// form actions read with GET, and the API paths the pages name.
var linkRE = regexp.MustCompile(`(?:href|hx-get|src|action)="(/[^"#]*)"`)

// crawl signs in through the login link and reads every page reachable
// from the Overview by GET, plus the API's lists with the bearer token.
// It stays off /logout and the static files, and reads at most 800 pages.
func crawl(t *testing.T, s site, token string) *crawled {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := hc.Get(s.link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := &crawled{}
	queue := []string{"/"}
	get := func(path string, header http.Header) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", s.url+path, nil)
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Errorf("GET %s: %v", path, err)
			return
		}
		defer resp.Body.Close()
		// Event streams never end: a first chunk is enough.
		var b []byte
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			b = make([]byte, 64<<10)
			n, _ := io.ReadAtLeast(resp.Body, b, 1)
			b = b[:n]
		} else {
			b, _ = io.ReadAll(resp.Body)
		}
		if resp.StatusCode >= 500 {
			t.Errorf("GET %s = %s", path, resp.Status)
		}
		out.visited = append(out.visited, path)
		out.bodies.Write(b)
		out.bodies.WriteString("\n")
		if strings.HasPrefix(path, "/api/") {
			return
		}
		for _, m := range linkRE.FindAllSubmatch(b, -1) {
			queue = append(queue, strings.ReplaceAll(string(m[1]), "&amp;", "&"))
		}
	}
	seen := map[string]bool{}
	for len(queue) > 0 && len(seen) < 800 {
		path := queue[0]
		queue = queue[1:]
		if u, err := url.Parse(path); err != nil || seen[path] || u.Path == "/logout" || strings.HasPrefix(u.Path, "/static/") || strings.HasPrefix(u.Path, "/login") {
			continue
		}
		seen[path] = true
		get(path, nil)
	}
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	for _, p := range []string{"/api/v1/connections", "/api/v1/audit", "/api/v1/dags", "/api/v1/runs", "/api/v1/vms"} {
		get(p, bearer)
	}
	return out
}

func anyContains(paths []string, part string) bool {
	for _, p := range paths {
		if strings.Contains(p, part) {
			return true
		}
	}
	return false
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// around shows where s holds secret, with some context either side.
func around(s, secret string) string {
	i := strings.Index(s, secret)
	lo, hi := max(0, i-200), min(len(s), i+len(secret)+200)
	return s[lo:hi]
}
