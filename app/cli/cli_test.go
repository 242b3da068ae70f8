package cli

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/internal/syncbuf"
	"github.com/meshflow/meshflow/store"
)

var starters fs.FS = fstest.MapFS{"hello.yaml": {Data: []byte("name: hello\n")}}

// run executes one command with a clean environment and returns its output.
func run(ctx context.Context, args ...string) (string, error) {
	var out syncbuf.Buffer
	err := Run(ctx, args, Env{Version: "v1.2.3", Examples: starters, Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }})
	return out.String(), err
}

// server is a `meshflow serve` running in the background of a test.
type server struct {
	url    string
	link   string // the login link serve printed
	cancel context.CancelFunc
	done   chan error
	out    *syncbuf.Buffer
	cookie *http.Cookie // the session signed in with link, once asked for
}

func startServe(t *testing.T, dir string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	s := &server{cancel: cancel, done: make(chan error, 1), out: &syncbuf.Buffer{}}
	go func() {
		s.done <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", dir},
			Env{Version: "v1.2.3", Examples: starters, Stdout: s.out, Stderr: s.out, Getenv: func(string) string { return "" }})
	}()
	re := regexp.MustCompile(`running at (http://127\.0\.0\.1:\d+)/(?s:.*)\s(http://\S+/login\?token=\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(s.out.String()); m != nil {
			s.url, s.link = m[1], m[2]
			t.Cleanup(func() { s.stop(t) })
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("serve exited early: %v\n%s", err, s.out)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start:\n%s", s.out)
	return nil
}

// session signs in with the link serve printed, the first time, and
// returns the session cookie the UI then wants with every request.
func (s *server) session(t *testing.T) *http.Cookie {
	t.Helper()
	if s.cookie == nil {
		s.cookie = signIn(t, s.link)
	}
	return s.cookie
}

// signIn opens a login link as a browser does and returns the session
// cookie it is given.
func signIn(t *testing.T, link string) *http.Cookie {
	t.Helper()
	req, _ := http.NewRequest("GET", link, nil)
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("login link %s: %s, cookies %v", link, resp.Status, resp.Cookies())
	}
	return resp.Cookies()[0]
}

// stop cancels the server as SIGINT would and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if s.done == nil {
		return
	}
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("serve returned %v on shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("serve did not shut down")
	}
	s.done = nil
}

func TestVersion(t *testing.T) {
	out, err := run(t.Context(), "version")
	if err != nil || !strings.HasPrefix(out, "meshflow v1.2.3 (") {
		t.Fatalf("version = %q, %v", out, err)
	}
}

func TestServeRefusesNonLoopbackAndSaysWhatToDo(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8080", ":8080", "192.0.2.10:8080", "[::]:8080"} {
		_, err := run(t.Context(), "serve", "--addr", addr, "--data", t.TempDir())
		if !errors.Is(err, app.ErrNotLoopback) {
			t.Fatalf("%s: err = %v, want ErrNotLoopback", addr, err)
		}
		for _, hint := range []string{"no TLS yet", "--addr 127.0.0.1:8080", "ssh -N -L 8080:127.0.0.1:8080"} {
			if !strings.Contains(err.Error(), hint) {
				t.Errorf("%s: message lacks %q:\n%v", addr, hint, err)
			}
		}
	}
}

func TestServeCreatesDataDirServesAndShutsDownCleanly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "data")
	s := startServe(t, dir)
	resp, err := http.Get(s.url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
	for _, p := range []string{"meshflow.db", "logs", "dags/hello.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("data dir lacks %s: %v", p, err)
		}
	}

	// A second server on the same data dir is refused while the first runs.
	_, err = run(t.Context(), "serve", "--addr", "127.0.0.1:0", "--data", dir)
	if !errors.Is(err, app.ErrLocked) || !strings.Contains(err.Error(), "stop it first") {
		t.Fatalf("second serve: err = %v, want ErrLocked with advice", err)
	}

	s.stop(t)
	// Closing the last connection checkpoints the WAL into the main file.
	if _, err := os.Stat(filepath.Join(dir, "meshflow.db-wal")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("WAL still present after a clean shutdown: %v", err)
	}
	// After shutdown the lock is free and the database is whole.
	st, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.IntegrityCheck(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// The backup is taken by a separate command while the server keeps writing
// through real requests; the copy must open and pass integrity_check.
func TestDBBackupWhileServerWrites(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir)
	cookie := s.session(t)
	var saves atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			req, _ := http.NewRequest("POST", s.url+"/settings",
				strings.NewReader(url.Values{"instance_name": {"n" + strings.Repeat("x", i%30)}, "theme": {"dark"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.AddCookie(cookie)
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			saves.Add(1)
		}
	})
	for saves.Load() < 50 {
		time.Sleep(5 * time.Millisecond)
	}
	dest := filepath.Join(t.TempDir(), "backup.db")
	out, err := run(t.Context(), "db", "backup", dest, "--data", dir)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	b, err := store.Open(t.Context(), dest)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.IntegrityCheck(t.Context()); err != nil {
		t.Fatal(err)
	}
	n, err := b.CountAuditEvents(t.Context(), model.AuditFilter{})
	if err != nil || n < 50 {
		t.Fatalf("backup holds %d audit events (%v), want the 50+ saves made before it", n, err)
	}
}

func TestDBBackupNeedsADatabase(t *testing.T) {
	_, err := run(t.Context(), "db", "backup", filepath.Join(t.TempDir(), "b.db"), "--data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "no database to back up") {
		t.Fatalf("err = %v", err)
	}
}

func TestDBReset(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir)
	req, _ := http.NewRequest("POST", s.url+"/settings", strings.NewReader("instance_name=lab&theme=dark"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(s.session(t))
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if _, err := run(t.Context(), "db", "reset", "--data", dir); err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("reset without --yes: err = %v, want a request to confirm", err)
	}
	if _, err := run(t.Context(), "db", "reset", "--yes", "--data", dir); !errors.Is(err, app.ErrLocked) {
		t.Fatalf("reset while serving: err = %v, want ErrLocked", err)
	}
	s.stop(t)

	out, err := run(t.Context(), "db", "reset", "--yes", "--data", dir)
	if err != nil || !strings.Contains(out, "dags/ and logs/ were kept") {
		t.Fatalf("reset: %q, %v", out, err)
	}
	st, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The old log is gone; the new one begins with who emptied it.
	events, _ := st.AuditEvents(t.Context(), model.AuditFilter{})
	if len(events) != 1 || events[0].Action != model.ActionDBReset || events[0].Source != model.SourceCLI ||
		!strings.HasPrefix(events[0].Actor, "local user") {
		t.Errorf("audit events after reset = %+v, want only the reset, by the local user", events)
	}
	if _, err := os.Stat(filepath.Join(dir, "dags", "hello.yaml")); err != nil {
		t.Errorf("reset removed DAG files: %v", err)
	}
}

func TestBadConfigFileNamesLineAndKeys(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "meshflow.yaml"), []byte("addr: 127.0.0.1:9000\nlisten: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := run(t.Context(), "serve", "--data", dir)
	if err == nil {
		t.Fatal("serve started with a misspelt config key")
	}
	for _, want := range []string{"meshflow.yaml", "line 2", "listen", "known keys: addr, log_level"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestServeOnATakenPortSaysWhatToDo(t *testing.T) {
	s := startServe(t, t.TempDir())
	addr := strings.TrimPrefix(s.url, "http://")
	_, err := run(t.Context(), "serve", "--addr", addr, "--data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "is taken by another program") || !strings.Contains(err.Error(), "--addr") {
		t.Fatalf("err = %v, want advice about the taken port", err)
	}
}

// An open live page (an event stream) must not hold up Ctrl+C.
func TestShutdownEndsOpenEventStreams(t *testing.T) {
	dir := t.TempDir()
	if _, err := runIn(t.Context(), dir, "dag", "test", "hello"); err != nil {
		t.Fatal(err)
	}
	// A run that will still be going when the stream opens.
	slow := "name: slow\ntasks:\n  - {id: nap, op: shell, with: {command: 'sleep 30'}}\n"
	if err := os.WriteFile(filepath.Join(dir, "dags", "slow.yaml"), []byte(slow), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServe(t, dir)
	out, err := runIn(t.Context(), dir, "dag", "trigger", "slow")
	if err != nil {
		t.Fatalf("trigger: %v %s", err, out)
	}
	req, _ := http.NewRequest("GET", s.url+"/runs/2/events", nil)
	req.AddCookie(s.session(t))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	start := time.Now()
	s.stop(t)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("shutdown took %v with a stream open", took)
	}
}
