// Command meshflow runs VMs, files and workflows across AWS, Azure and
// OpenStack from one binary: a desktop window (built with the desktop tag)
// or `meshflow serve` for a browser, over one UI and one SQLite file.
package main

import (
	"context"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/meshflow/meshflow/app/cli"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// examples are the starter DAGs every new data dir begins with.
//
//go:embed testdata/examples/*.yaml
var examples embed.FS

func main() {
	ctx, stop := signalContext(os.Stderr)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		cli.PrintError(os.Stderr, err)
		os.Exit(1)
	}
}

// signalContext is cancelled by the first SIGINT or SIGTERM, so that a
// command stops cleanly (a server lets requests finish and closes the
// database). A second signal ends the process at once, so that a shutdown
// that hangs never needs SIGKILL.
func signalContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-sigs:
		case <-ctx.Done():
			return
		}
		// With no channel left, the runtime applies the default action
		// to the next signal: the process ends.
		signal.Stop(sigs)
		fmt.Fprintln(stderr, "meshflow: stopping; signal again to exit at once")
		cancel()
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}

// run is the whole program; main only adds the process around it.
func run(ctx context.Context, args []string) error {
	starters, err := fs.Sub(examples, "testdata/examples")
	if err != nil {
		return err
	}
	return cli.Run(ctx, args, cli.Env{
		Version:  buildVersion(),
		Examples: starters,
		Stdout:   os.Stdout,
		Stderr:   os.Stderr,
		Getenv:   os.Getenv,
	})
}

// buildVersion is the release version, or for a development build the
// commit it was built from.
func buildVersion() string {
	if version != "dev" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	rev, dirty := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return version
	}
	if dirty {
		rev += "-dirty"
	}
	return version + "-" + rev
}
