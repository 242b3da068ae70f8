package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/auth"
	"github.com/meshflow/meshflow/backend/model"
)

func newLogin(env Env, g *globals) *cobra.Command {
	var open bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Print a one-time link that signs a browser in to the running meshflow",
		Long: `Print a new login link for the web UI of the meshflow serving this data dir.
The link signs one browser in, once, within ` + linkTTL() + `; the browser then stays
signed in. It is minted through the API with the token in the data dir's
server.json, so only the user who runs meshflow can get one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLogin(cmd.Context(), env, *g, open)
		},
	}
	cmd.Flags().BoolVar(&open, "open", false, "also open the link in this desktop's web browser")
	return cmd
}

func runLogin(ctx context.Context, env Env, g globals, open bool) error {
	cfg, _, err := load(env, g, "")
	if err != nil {
		return err
	}
	dir := app.DataDir(cfg.DataDir)
	remote, err := remoteOf(env, dir)
	if errors.Is(err, app.ErrNoServer) {
		return fmt.Errorf("login: %w (%s): start it with 'meshflow serve', which prints a login link", err, dir)
	}
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	link, err := remote.LoginLink(ctx)
	if errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("login: the meshflow running on %s has no web UI to sign in to: "+
			"it is the desktop app, whose window needs no login", dir)
	}
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	printLoginLink(env, dir, link, open)
	return nil
}

// printLoginLink shows the link on stdout, where only the user at the
// terminal sees it (never in the log), and opens it when asked to.
func printLoginLink(env Env, dir app.DataDir, link string, open bool) {
	_, _ = fmt.Fprintf(env.Stdout, "Sign in from a browser on this machine with this one-time link (it works once, within %s;\n"+
		"'meshflow login' prints another):\n\n    %s\n\n", linkTTL(), link)
	if !open {
		return
	}
	switch opened, err := dir.OpenInBrowser(link, env.Getenv); {
	case err != nil:
		_, _ = fmt.Fprintf(env.Stderr, "Could not open a browser (%v): open the link above yourself.\n", err)
	case opened:
		_, _ = fmt.Fprintln(env.Stdout, "Opened it in your web browser.")
	default:
		_, _ = fmt.Fprintln(env.Stdout, "No desktop browser here: open the link above in one.")
	}
}

func linkTTL() string { return fmt.Sprintf("%.0f minutes", auth.LinkTTL.Minutes()) }
