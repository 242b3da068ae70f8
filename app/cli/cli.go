// Package cli is meshflow's command line: it parses arguments with cobra,
// resolves the configuration and calls into app. Commands stay thin; what
// they do lives in app and the packages it wires.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
)

// Env is the world a command runs in, passed in so tests can supply their own.
type Env struct {
	Version  string
	Examples fs.FS     // starter DAGs for a new data dir
	Stdin    io.Reader // nil: the process's stdin
	Stdout   io.Writer
	Stderr   io.Writer
	Getenv   func(string) string

	// rawStdout is Stdout before cleaning, for output asked for as written.
	rawStdout io.Writer
}

// Run executes the command line args (without the program name). All
// output passes a cleanWriter (see clean.go): it shows text from DAG files,
// users and tasks, which must not drive the terminal.
func Run(ctx context.Context, args []string, env Env) error {
	out, errOut := newCleanWriter(env.Stdout), newCleanWriter(env.Stderr)
	env.rawStdout, env.Stdout, env.Stderr = env.Stdout, out, errOut
	root := newRoot(env)
	root.SetArgs(args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	if env.Stdin != nil {
		root.SetIn(env.Stdin)
	}
	err := root.ExecuteContext(ctx)
	return errors.Join(err, out.Flush(), errOut.Flush())
}

// globals are the flags every command accepts.
type globals struct {
	data     string
	logLevel string
}

func newRoot(env Env) *cobra.Command {
	var g globals
	root := &cobra.Command{
		Use:   "meshflow",
		Short: "Run VMs, files and workflows across AWS, Azure and OpenStack from one app",
		Long: `meshflow manages virtual machines across AWS, Azure and OpenStack, runs work on
them over SSH, moves files between clouds, and orchestrates all of it as
scheduled workflows, from a desktop window or a browser.

With no command it opens the desktop window, or, in a build without one,
serves the UI on ` + app.DefaultAddr + `.`,
		Version:       env.Version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if app.DesktopAvailable {
				return runDesktop(cmd.Context(), env, g)
			}
			return runServe(cmd.Context(), env, g, "", false)
		},
	}
	root.PersistentFlags().StringVar(&g.data, "data", "", "data directory (default $MESHFLOW_DATA, else the OS user data dir)")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "", "log level: debug, info, warn, error (default info)")
	root.AddCommand(newServe(env, &g), newLogin(env, &g), newVersion(env), newDB(env, &g), newDAG(env, &g), newVar(env, &g), newCloud(env, &g), newVM(env, &g), newAudit(env, &g))
	return root
}

// load resolves the configuration and builds the logger it asks for.
func load(env Env, g globals, addr string) (app.Config, *slog.Logger, error) {
	cfg, err := app.LoadConfig(app.Overrides{DataDir: g.data, Addr: addr, LogLevel: g.logLevel}, env.Getenv)
	if err != nil {
		return cfg, nil, err
	}
	logger := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	return cfg, logger, nil
}

// withApp loads the configuration, opens the data dir, runs fn and closes
// the app again, reporting a failed close too: an unclean close is how a
// database ends up needing recovery.
func withApp(ctx context.Context, env Env, g globals, addr string, exclusive bool, fn func(*app.App) error) error {
	cfg, logger, err := load(env, g, addr)
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg, app.Options{
		Version: env.Version, Examples: env.Examples, Logger: logger, Exclusive: exclusive,
	})
	if err != nil {
		return err
	}
	return errors.Join(fn(a), a.Close())
}

func runDesktop(ctx context.Context, env Env, g globals) error {
	return withApp(ctx, env, g, "", true, func(a *app.App) error { return a.RunDesktop(ctx) })
}

func newVersion(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of meshflow",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			face := "headless server"
			if app.DesktopAvailable {
				face = "desktop"
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "meshflow %s (%s)\n", env.Version, face)
			return err
		},
	}
}
