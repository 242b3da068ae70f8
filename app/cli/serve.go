package cli

import (
	"context"
	"fmt"
	"net"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
)

func newServe(env Env, g *globals) *cobra.Command {
	var addr string
	var open bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the UI to a browser on " + app.DefaultAddr,
		Long: `Serve the UI on a local address for a web browser. Press Ctrl+C to stop:
requests in flight finish and the database is closed cleanly.

The browser signs in with the one-time login link serve prints; run
'meshflow login' for another. Only loopback addresses are allowed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), env, *g, addr, open)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address HOST:PORT (default $MESHFLOW_ADDR, else "+app.DefaultAddr+")")
	cmd.Flags().BoolVar(&open, "open", false, "open the login link in this desktop's web browser")
	return cmd
}

func runServe(ctx context.Context, env Env, g globals, addr string, open bool) error {
	return withApp(ctx, env, g, addr, true, func(a *app.App) error {
		return a.Serve(ctx, func(bound net.Addr) {
			_, _ = fmt.Fprintf(env.Stdout, "meshflow is running at http://%s/ (data: %s). Press Ctrl+C to stop.\n", bound, a.Dir)
			link, err := a.LoginLink(ctx, app.LocalOrigin())
			if err != nil {
				_, _ = fmt.Fprintf(env.Stderr, "No login link: %v\nRun 'meshflow login' for one.\n", err)
				return
			}
			printLoginLink(env, a.Dir, link, open)
		})
	})
}
