package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

// TestServeUIRefusesRequestsWithoutSession is the attack from a shared
// machine, against a real serve process: another user, who cannot read
// the data dir, sends requests as curl does. None may read a page or
// change anything; a session from a login link may, and outlives a
// restart. Neither serve's log nor the audit log ever holds a token.
func TestServeUIRefusesRequestsWithoutSession(t *testing.T) {
	bin := buildMeshflow(t)
	dir := t.TempDir()
	srv := startServe(t, bin, dir)

	anon := []struct{ method, path string }{
		{"GET", "/"},
		{"GET", "/dags/hello"},
		{"GET", "/variables"},
		{"GET", "/audit"},
		{"POST", "/dags/hello/trigger"},
		{"POST", "/variables"},
		{"POST", "/runs/1/tasks/greet/clear"},
		{"POST", "/settings"},
		{"GET", "/login?token=AAAAAAAAAAAAAAAAAAAAAAAAAA"},
	}
	for _, r := range anon {
		if code := curl(t, r.method, srv.url+r.path, nil); code != http.StatusUnauthorized {
			t.Errorf("%s %s without a session = %d, want 401", r.method, r.path, code)
		}
	}
	if code := curl(t, "GET", srv.url+"/healthz", nil); code != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", code)
	}

	// `meshflow login` mints a new link through the API; each link signs
	// in once.
	out, err := exec.Command(bin, "login", "--data", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("meshflow login: %v\n%s", err, out)
	}
	link := regexp.MustCompile(`http://\S+/login\?token=\S+`).FindString(string(out))
	if link == "" || link == srv.link {
		t.Fatalf("meshflow login printed no new link:\n%s", out)
	}
	cookie := loginCookie(t, link)
	if code := curl(t, "GET", link, nil); code != http.StatusUnauthorized {
		t.Errorf("second use of a login link = %d, want 401", code)
	}
	if code := curl(t, "POST", srv.url+"/dags/hello/trigger", cookie); code != http.StatusSeeOther {
		t.Errorf("trigger with a session = %d, want 303", code)
	}
	srv.stop(t)

	srv = startServe(t, bin, dir)
	if code := curl(t, "GET", srv.url+"/dags/hello", cookie); code != http.StatusOK {
		t.Errorf("session after a restart of serve: %d, want 200", code)
	}
	srv.stop(t)

	st, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	runs, _ := st.Runs(t.Context(), model.RunFilter{Limit: 10})
	vars, _ := st.Variables(t.Context())
	if len(runs) != 1 || len(vars) != 0 {
		t.Errorf("%d runs, %d variables: want only the signed-in trigger's run", len(runs), len(vars))
	}
	events, _ := st.AuditEvents(t.Context(), model.AuditFilter{Limit: 100})
	logs := srv.logs(t)
	for _, token := range []string{tokenOf(link), tokenOf(srv.link), cookie.Value} {
		if strings.Contains(logs, token) {
			t.Errorf("serve's log holds a credential:\n%s", logs)
		}
		for _, e := range events {
			if strings.Contains(fmt.Sprintf("%+v", e), token) {
				t.Errorf("audit event %+v holds a credential", e)
			}
		}
	}
}

// served is a serve process and what it printed.
type served struct {
	cmd       *exec.Cmd
	url, link string
	out, log  string // files holding its stdout and stderr
}

// startServe runs `meshflow serve` and waits for the login link it prints.
func startServe(t *testing.T, bin, dir string) *served {
	t.Helper()
	tmp := t.TempDir()
	s := &served{out: filepath.Join(tmp, "stdout"), log: filepath.Join(tmp, "stderr")}
	stdout, err := os.Create(s.out)
	if err != nil {
		t.Fatal(err)
	}
	defer stdout.Close()
	stderr, err := os.Create(s.log)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	s.cmd = exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dir)
	s.cmd.Stdout, s.cmd.Stderr = stdout, stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.cmd.Process.Kill() })
	re := regexp.MustCompile(`running at (http://\S+)/ (?s:.*)\s(http://\S+/login\?token=\S+)`)
	waitFor(t, "serve to print its login link", func() bool {
		data, _ := os.ReadFile(s.out)
		m := re.FindStringSubmatch(string(data))
		if m != nil {
			s.url, s.link = m[1], m[2]
		}
		return m != nil
	})
	return s
}

func (s *served) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("serve exit: %v\n%s", err, s.logs(t))
	}
}

func (s *served) logs(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(s.log)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// curl sends a request the way curl does: no browser headers, no
// redirects followed; with cookie, it presents that session.
func curl(t *testing.T, method, target string, cookie *http.Cookie) int {
	t.Helper()
	resp := roundTrip(t, method, target, cookie)
	return resp.StatusCode
}

func roundTrip(t *testing.T, method, target string, cookie *http.Cookie) *http.Response {
	t.Helper()
	form := url.Values{"name": {"STOLEN"}, "value": {"x"}, "instance_name": {"pwned"}, "theme": {"dark"}}
	req, err := http.NewRequestWithContext(t.Context(), method, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// loginCookie opens a login link and returns the session cookie it sets.
func loginCookie(t *testing.T, link string) *http.Cookie {
	t.Helper()
	resp := roundTrip(t, "GET", link, nil)
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("login link: %s, cookies %v", resp.Status, resp.Cookies())
	}
	return resp.Cookies()[0]
}
