package app

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// shortTimeouts make the server's limits show within a second.
var shortTimeouts = timeouts{header: time.Second, body: 300 * time.Millisecond, idle: 300 * time.Millisecond, conns: 64}

// slowDAG runs long enough to outlive the short timeouts below.
const slowDAG = "name: slow\ntasks:\n  - {id: nap, op: shell, with: {command: 'sleep 1.5'}}\n"

// serveForTest runs a real server on a free loopback port with limits,
// over a data dir whose dags/ holds slowDAG.
func serveForTest(t *testing.T, limits timeouts) (addr string, a *App) {
	t.Helper()
	return serveForTestLogged(t, limits, nil)
}

// serveForTestLogged is serveForTest logging to logger (nil: nowhere).
func serveForTestLogged(t *testing.T, limits timeouts, logger *slog.Logger) (addr string, a *App) {
	t.Helper()
	dir := DataDir(t.TempDir())
	if err := os.MkdirAll(dir.DAGs(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir.DAGs(), "slow.yaml"), []byte(slowDAG), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(Overrides{DataDir: string(dir), Addr: "127.0.0.1:0"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err = Open(t.Context(), cfg, Options{Exclusive: true, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	bound := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, func(ad net.Addr) { bound <- ad.String() }, limits) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	select {
	case addr = <-bound:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	return addr, a
}

// closedWithin reports whether the server closes conn within d.
func closedWithin(t *testing.T, conn net.Conn, d time.Duration) bool {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

func TestSlowBodyIsCutOff(t *testing.T) {
	addr, _ := serveForTest(t, shortTimeouts)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /settings HTTP/1.1\r\nHost: "+addr+"\r\nSec-Fetch-Site: same-origin\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ninstance_name=")
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	defer close(stop)
	go func() { // one byte every 50 ms: never idle, never done
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if _, err := conn.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	if !closedWithin(t, conn, 3*time.Second) {
		t.Fatal("a body sent slowly kept the connection open past the body timeout")
	}
}

func TestIdleKeepAliveIsClosed(t *testing.T) {
	addr, _ := serveForTest(t, shortTimeouts)
	conn := askHealthz(t, addr)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("healthz: %d, close %v", resp.StatusCode, resp.Close)
	}
	start := time.Now()
	if !closedWithin(t, conn, 3*time.Second) {
		t.Fatal("an idle kept-alive connection stayed open past the idle timeout")
	}
	t.Logf("idle connection closed after %v", time.Since(start).Round(10*time.Millisecond))
}

// Long answers outlive the body and idle timeouts: a run page's event
// stream lasts until the run ends, and so does the API's wait for it.
func TestLongAnswersOutliveTheTimeouts(t *testing.T) {
	addr, a := serveForTest(t, shortTimeouts)
	client, err := a.Dir.Remote()
	if err != nil {
		t.Fatal(err)
	}
	run, err := client.Trigger(t.Context(), "slow", nil, model.TriggerCLI)
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		r, err := client.Wait(t.Context(), run.ID)
		if err == nil && r.State != model.RunSuccess {
			err = errors.New("run ended " + string(r.State))
		}
		waited <- err
	}()

	link, err := a.LoginLink(t.Context(), LocalOrigin())
	if err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signIn, err := noFollow.Get(link)
	if err != nil || len(signIn.Cookies()) != 1 {
		t.Fatalf("sign in: %v", err)
	}
	signIn.Body.Close()
	cookie := signIn.Cookies()[0]
	start := time.Now()
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://"+addr+"/runs/"+strconv.FormatInt(run.ID, 10)+"/events", nil)
	req.AddCookie(cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(resp.Body)
	took := time.Since(start)
	if err != nil || !strings.Contains(string(body), "event: done") {
		t.Fatalf("the stream ended after %v without its done event (%v):\n%.300s", took, err, body)
	}
	if took < time.Second {
		t.Errorf("the stream ended after %v, before the run could", took)
	}
	if err := <-waited; err != nil {
		t.Errorf("API wait for the run: %v", err)
	}
}

// Connections beyond the limit wait to be accepted rather than each
// holding a file descriptor in the server: idle ones by the thousand
// cannot exhaust them, and once one closes the next is served.
func TestConnectionsBeyondTheLimitWait(t *testing.T) {
	limits := shortTimeouts
	limits.header, limits.conns = time.Minute, 2
	addr, _ := serveForTest(t, limits)
	var idle []net.Conn
	for range limits.conns {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		idle = append(idle, conn)
	}
	conn := askHealthz(t, addr)
	br := bufio.NewReader(conn)
	_ = conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("a connection beyond the limit was served while the idle ones held every slot")
	}
	idle[0].Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("once a slot was free: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d", resp.StatusCode)
	}
}

// askHealthz opens a connection to addr and sends a keep-alive request for
// /healthz on it; the connection closes when the test ends.
func askHealthz(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return conn
}
