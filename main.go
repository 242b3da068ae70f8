// Command meshflow runs VMs, files and workflows across AWS, Azure and
// OpenStack from one binary: a desktop window (built with the desktop tag)
// or `meshflow serve` for a browser, over one UI and one SQLite file.
package main

import (
	"context"
	"embed"
	"fmt"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "meshflow:", err)
		os.Exit(1)
	}
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
