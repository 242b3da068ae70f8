package app

import (
	"context"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/auth"
	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

var _ auth.Store = (*store.Store)(nil)

// Auth signs browsers in to this installation's web UI.
func (a *App) Auth() *auth.Auth {
	a.authOnce.Do(func() { a.auth = auth.New(a.Store, clock.Real()) })
	return a.auth
}

// LoginLink mints a one-time link that signs a browser in to the UI served
// on a.Config.Addr (the bound address, once Serve listens). o is who
// asked, for the audit log, which never holds the token.
func (a *App) LoginLink(ctx context.Context, o audit.Origin) (string, error) {
	link := "http://" + a.Config.Addr + "/login?token=" + a.Auth().NewLoginToken()
	if err := a.Audit(ctx, o, model.ActionLoginLink, model.AuditTarget{Kind: model.TargetSession}, nil); err != nil {
		return "", fmt.Errorf("login link: %w", err)
	}
	return link, nil
}

// OpenInBrowser opens link in this desktop's web browser and reports
// whether there was one to open it in. The link is not put on a command
// line, where any user can read it in the process list before the browser
// has used it: the browser is pointed at a file in the data dir (0600)
// that redirects to the link instead, as Jupyter does.
func (d DataDir) OpenInBrowser(link string, getenv func(string) string) (bool, error) {
	argv := browserCommand(getenv)
	if argv == nil {
		return false, nil
	}
	page, err := d.writeLoginPage(link)
	if err != nil {
		return false, err
	}
	cmd := exec.Command(argv[0], append(argv[1:], page)...)
	if err := cmd.Start(); err != nil {
		return false, fmt.Errorf("open browser with %s: %w", argv[0], err)
	}
	// xdg-open may stay until the browser exits; reap it whenever it does.
	go func() { _ = cmd.Wait() }()
	return true, nil
}

// browserCommand is the program that opens a file in the desktop's
// browser, or nil where there is no desktop (an SSH session, a server).
func browserCommand(getenv func(string) string) []string {
	switch runtime.GOOS {
	case "darwin":
		return []string{"open"}
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler"}
	}
	if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return nil
	}
	path, err := exec.LookPath("xdg-open")
	if err != nil {
		return nil
	}
	return []string{path}
}

// writeLoginPage writes the page that sends a browser on to link, readable
// by this user only, and returns its path.
func (d DataDir) writeLoginPage(link string) (string, error) {
	dst := filepath.Join(string(d), "login.html")
	f, err := os.CreateTemp(string(d), "login-*.html") // 0600
	if err != nil {
		return "", fmt.Errorf("login page: %w", err)
	}
	esc := html.EscapeString(link)
	_, err = fmt.Fprintf(f, "<!DOCTYPE html>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"refresh\" content=\"0;url=%s\">\n"+
		"<title>meshflow</title>\n<p><a href=\"%s\">Sign in to meshflow</a></p>\n", esc, esc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), dst)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("login page: %w", err)
	}
	return dst, nil
}
