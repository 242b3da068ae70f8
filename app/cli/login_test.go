package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/internal/syncbuf"
)

var linkRE = regexp.MustCompile(`http://\S+/login\?token=(\S+)`)

func TestLoginWithoutServerSaysToStartOne(t *testing.T) {
	_, err := run(t.Context(), "login", "--data", t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "meshflow serve") {
		t.Fatalf("login with nothing running: %v, want advice to start serve", err)
	}
}

// `meshflow login` asks the running server for a new link; it signs a
// browser in once.
func TestLoginPrintsANewOneTimeLink(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir)
	out, err := run(t.Context(), "login", "--data", dir)
	if err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	link := linkRE.FindString(out)
	if link == "" || link == s.link || !strings.HasPrefix(link, s.url+"/login?token=") {
		t.Fatalf("login printed %q (serve printed %s)", out, s.link)
	}
	cookie := signIn(t, link)
	req, _ := http.NewRequest("GET", s.url+"/dags", nil)
	req.AddCookie(cookie)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("page with the new session = %d", resp.StatusCode)
	}
	resp, err = http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("second use of the link = %d, want 401", resp.StatusCode)
	}
}

// --open hands the browser a file that redirects to the link: any user
// can read a command line (ps, /proc), and the token must not be on one.
func TestLoginOpenKeepsTheTokenOffTheCommandLine(t *testing.T) {
	dir := t.TempDir()
	startServe(t, dir)
	bin := t.TempDir()
	record := filepath.Join(bin, "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + record + "\n"
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))

	// No display: nothing to open a browser on, so it only prints.
	out, err := run(t.Context(), "login", "--open", "--data", dir)
	if err != nil || !strings.Contains(out, "No desktop browser here") {
		t.Fatalf("login --open without a display: %v\n%s", err, out)
	}
	var stdout syncbuf.Buffer
	err = Run(t.Context(), []string{"login", "--open", "--data", dir}, Env{
		Version: "v1.2.3", Examples: starters, Stdout: &stdout, Stderr: &stdout,
		Getenv: func(k string) string { return map[string]string{"DISPLAY": ":0"}[k] },
	})
	if err != nil || !strings.Contains(stdout.String(), "Opened it in your web browser") {
		t.Fatalf("login --open: %v\n%s", err, stdout.String())
	}
	token := linkRE.FindStringSubmatch(stdout.String())[1]
	var args []byte
	for range 500 {
		if args, err = os.ReadFile(record); err == nil && len(args) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	page := strings.TrimSpace(string(args))
	if page == "" || strings.Contains(page, token) {
		t.Fatalf("xdg-open was given %q", page)
	}
	data, err := os.ReadFile(page)
	if err != nil || !strings.Contains(string(data), token) {
		t.Fatalf("the page xdg-open opens does not lead to the link: %v\n%s", err, data)
	}
}
