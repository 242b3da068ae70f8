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
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the UI to a browser on " + app.DefaultAddr,
		Long: `Serve the UI on a local address for a web browser. Press Ctrl+C to stop:
requests in flight finish and the database is closed cleanly.

Only loopback addresses are allowed until meshflow has a login.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), env, *g, addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "", "listen address HOST:PORT (default $MESHFLOW_ADDR, else "+app.DefaultAddr+")")
	return cmd
}

func runServe(ctx context.Context, env Env, g globals, addr string) error {
	return withApp(ctx, env, g, addr, true, func(a *app.App) error {
		return a.Serve(ctx, func(bound net.Addr) {
			_, _ = fmt.Fprintf(env.Stdout, "meshflow is running at http://%s/ (data: %s). Press Ctrl+C to stop.\n", bound, a.Dir)
		})
	})
}
