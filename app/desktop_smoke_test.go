//go:build desktopsmoke

// The desktop smoke test builds the real Wails binary, opens its window on a
// private X server and checks that the Overview page loads and paints. It has
// its own build tag because it needs GTK, WebKit and Xvfb: run it with
// `make test-desktop`.
package app_test

import (
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	desktopTags  = "desktop,production,webkit2_41"
	screenSize   = "1280x800x24"
	buildTimeout = 5 * time.Minute // a cold cgo build of GTK/WebKit bindings takes over a minute
	loadTimeout  = 60 * time.Second
	paintTimeout = 20 * time.Second
	exitTimeout  = 20 * time.Second
	pollEvery    = 100 * time.Millisecond
)

// pageRequests are what the webview must fetch for the Overview to render:
// the page itself, its stylesheet and htmx.
var pageRequests = []string{"/", "/static/css/app.css", "/static/vendor/htmx.min.js"}

// navColours are the sidebar's --nav-bg in the light and the dark theme;
// which one WebKit picks depends on the GTK theme, not on us.
var navColours = []color.RGBA{{0x11, 0x18, 0x27, 0xff}, {0x01, 0x04, 0x09, 0xff}}

// sidebarStrip is a band of the left edge that the sidebar (220px wide)
// fills when the window sits at the origin, as it does with no window manager.
var sidebarStrip = image.Rect(0, 0, 160, 760)

func TestDesktopSmoke(t *testing.T) {
	requireTools(t)
	bin := buildDesktop(t)
	x := startXvfb(t)

	// A shot of the empty screen proves the pixel check can fail at all.
	blank := x.screenshot(t, filepath.Join(t.TempDir(), "blank.png"))
	if share := navShare(blank); share > 0.01 {
		t.Fatalf("the empty X screen already looks like the sidebar (%.0f%% nav colour): the check is meaningless", share*100)
	}

	data := t.TempDir()
	app := startApp(t, bin, x.display, data)
	app.waitForRequests(t, pageRequests)
	x.waitForPaint(t, filepath.Join(t.TempDir(), "overview.png"))
	app.stop(t)

	for _, name := range []string{"meshflow.db", filepath.Join("dags", "hello.yaml")} {
		if _, err := os.Stat(filepath.Join(data, name)); err != nil {
			t.Errorf("data dir after the desktop run: %v", err)
		}
	}
}

// requireTools fails, never skips, when the machine cannot run the test: a
// skipped smoke test would let CI go green without ever opening the window.
func requireTools(t *testing.T) {
	t.Helper()
	type need struct {
		ok  func() bool
		pkg string
	}
	onPath := func(name string) func() bool {
		return func() bool { _, err := exec.LookPath(name); return err == nil }
	}
	hasPkgConfig := func(mod string) func() bool {
		return func() bool { return exec.Command("pkg-config", "--exists", mod).Run() == nil }
	}
	needs := []need{
		{onPath("gcc"), "gcc"},
		{onPath("pkg-config"), "pkg-config"},
		{hasPkgConfig("gtk+-3.0"), "libgtk-3-dev"},
		{hasPkgConfig("webkit2gtk-4.1"), "libwebkit2gtk-4.1-dev"},
		{onPath("Xvfb"), "xvfb"},
		{onPath("import"), "imagemagick"},
	}
	var missing []string
	for _, n := range needs {
		if !n.ok() {
			missing = append(missing, n.pkg)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the desktop smoke test needs more packages: apt-get install -y --no-install-recommends %s",
			strings.Join(missing, " "))
	}
}

// buildDesktop builds the desktop binary exactly as a release would be built
// for Linux, so the test exercises the real Wails shell and not a stand-in.
func buildDesktop(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..") // go test runs in app/
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repo root not found above the test's directory: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "meshflow-desktop")
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", desktopTags, "-o", bin, ".")
	cmd.Dir = root
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags %s: %v\n%s", desktopTags, err, out)
	}
	t.Logf("built %s in %s", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// xServer is a running Xvfb.
type xServer struct {
	display string // e.g. ":3"
	log     string // its output, for failure messages
}

// startXvfb starts a private X server. -displayfd lets the server pick a
// free display itself and tells us once it accepts connections, so there is
// no race for a number and no wait loop.
func startXvfb(t *testing.T) xServer {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// -wr gives a white root window, unlike any colour of the page's sidebar.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", screenSize, "-nolisten", "tcp", "-wr")
	cmd.ExtraFiles = []*os.File{w} // becomes fd 3
	logPath := filepath.Join(t.TempDir(), "xvfb.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the server has its own copy
	cmd.Stdout, cmd.Stderr = logFile, logFile
	startGroup(t, cmd)
	w.Close() // only the server writes now; its exit gives us EOF

	if err := r.SetReadDeadline(time.Now().Add(loadTimeout)); err != nil {
		t.Fatal(err)
	}
	// Read to EOF, not just the first bytes: Xvfb writes the number and the
	// newline separately, then closes the fd, and exits on EPIPE if we
	// closed our end in between.
	out, err := io.ReadAll(r)
	num := strings.TrimSpace(string(out))
	if _, convErr := strconv.Atoi(num); err != nil || convErr != nil {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("Xvfb did not report a display (%v):\n%s", err, log)
	}
	return xServer{display: ":" + num, log: logPath}
}

// startGroup starts cmd as the leader of a new process group and ends the
// whole group when the test ends, so that neither Xvfb nor WebKit's helper
// processes outlive a failed test.
func startGroup(t *testing.T, cmd *exec.Cmd) <-chan struct{} {
	t.Helper()
	// Pdeathsig covers what Cleanup cannot: the test binary itself being
	// killed, for example by go test's -timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the caller reads the outcome from cmd.ProcessState
		close(done)
	}()
	t.Cleanup(func() {
		// SIGTERM first lets Xvfb remove its socket in /tmp/.X11-unix.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	})
	return done
}

// desktopApp is the running desktop binary.
type desktopApp struct {
	cmd  *exec.Cmd
	log  string          // its stderr, where the debug log goes
	done <-chan struct{} // closed once it has exited
}

func startApp(t *testing.T, bin, display, data string) *desktopApp {
	t.Helper()
	home := t.TempDir()
	logFile, err := os.Create(filepath.Join(home, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(bin, "--data", data, "--log-level", "debug")
	// A file, not a pipe: WebKit's helpers inherit stderr, and a pipe they
	// hold open would keep Wait from returning after the app itself exits.
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(),
		"DISPLAY="+display,
		// Never a Wayland compositor the developer happens to run.
		"GDK_BACKEND=x11", "WAYLAND_DISPLAY=",
		// There is no accessibility bus on a bare X server.
		"NO_AT_BRIDGE=1",
		// Keep WebKit's caches and GTK's settings out of the real home.
		"XDG_CACHE_HOME="+filepath.Join(home, "cache"),
		"XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		"XDG_DATA_HOME="+filepath.Join(home, "share"),
	)
	done := startGroup(t, cmd)
	t.Logf("desktop app log: %s", logFile.Name())
	return &desktopApp{cmd: cmd, log: logFile.Name(), done: done}
}

// requestLine matches the frontend's debug log of one answered request.
var requestLine = regexp.MustCompile(`msg="http request" method=GET path=(\S+) status=(\d+)`)

// waitForRequests polls the app's log until the webview has fetched every
// path with status 200: the page was loaded and its subresources requested.
func (a *desktopApp) waitForRequests(t *testing.T, paths []string) {
	t.Helper()
	start := time.Now()
	deadline := time.After(loadTimeout)
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		missing := a.missingRequests(t, paths)
		if len(missing) == 0 {
			t.Logf("webview loaded %v in %s", paths, time.Since(start).Round(time.Millisecond))
			return
		}
		select {
		case <-a.done:
			t.Fatalf("desktop app exited (%v) before the webview requested %v:\n%s",
				a.cmd.ProcessState, missing, a.readLog(t))
		case <-deadline:
			t.Fatalf("after %s the webview still had not requested %v with status 200:\n%s",
				loadTimeout, missing, a.readLog(t))
		case <-tick.C:
		}
	}
}

// missingRequests lists the paths not yet logged as answered with 200.
func (a *desktopApp) missingRequests(t *testing.T, paths []string) []string {
	ok := map[string]bool{}
	for _, m := range requestLine.FindAllStringSubmatch(a.readLog(t), -1) {
		if m[2] == "200" {
			ok[m[1]] = true
		}
	}
	var missing []string
	for _, p := range paths {
		if !ok[p] {
			missing = append(missing, p)
		}
	}
	return missing
}

func (a *desktopApp) readLog(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(a.log)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// stop sends SIGTERM, as a service manager or a logout would, and expects
// the app to close its window and data dir and exit with status 0.
func (a *desktopApp) stop(t *testing.T) {
	t.Helper()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	start := time.Now()
	select {
	case <-a.done:
	case <-time.After(exitTimeout):
		t.Fatalf("desktop app still running %s after SIGTERM:\n%s", exitTimeout, a.readLog(t))
	}
	if code := a.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("desktop app exited with %v after SIGTERM, want status 0:\n%s", a.cmd.ProcessState, a.readLog(t))
	}
	t.Logf("desktop app exited cleanly %s after SIGTERM", time.Since(start).Round(time.Millisecond))
}

// waitForPaint screenshots the display until the sidebar shows up in it. The
// requests only prove the page was fetched; WebKit paints a moment later.
func (x xServer) waitForPaint(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(paintTimeout)
	for {
		img := x.screenshot(t, path)
		share, colours := navShare(img), distinctColours(img)
		// Text and icons bring anti-aliased shades; a blank or half-drawn
		// frame has only a few flat colours.
		if share > 0.5 && colours > 32 {
			t.Logf("screenshot %s: %.0f%% of the left strip is sidebar, %d colours", path, share*100, colours)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("screenshot %s after %s: %.0f%% of the left strip is sidebar colour, %d colours: the Overview was not painted",
				path, paintTimeout, share*100, colours)
		}
		time.Sleep(pollEvery)
	}
}

// screenshot captures the whole screen as PNG at path.
func (x xServer) screenshot(t *testing.T, path string) image.Image {
	t.Helper()
	out, err := exec.Command("import", "-display", x.display, "-window", "root", "png:"+path).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(x.log)
		t.Fatalf("screenshot of %s: %v\n%s\nXvfb log:\n%s", x.display, err, out, log)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	return img
}

// navShare is the fraction of sidebarStrip painted in a sidebar colour.
func navShare(img image.Image) float64 {
	r := sidebarStrip.Intersect(img.Bounds())
	if r.Empty() {
		return 0
	}
	hits := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			for _, nav := range navColours {
				if near(c, nav) {
					hits++
					break
				}
			}
		}
	}
	return float64(hits) / float64(r.Dx()*r.Dy())
}

// near allows for a little colour-management or dithering drift.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int { return max(int(x), int(y)) - min(int(x), int(y)) }
	return d(a.R, b.R) <= 3 && d(a.G, b.G) <= 3 && d(a.B, b.B) <= 3
}

func distinctColours(img image.Image) int {
	seen := map[color.RGBA]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			seen[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)] = true
		}
	}
	return len(seen)
}
