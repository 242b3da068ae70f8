package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/model"
)

func newVar(env Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "var",
		Short: "Manage global variables and secrets for DAG templates",
		Long: `Global variables are shared by all DAGs. Plain ones are read in templates as
{{ .vars.NAME }}; secret ones as {{ secret "NAME" }}, sealed at rest with
the data dir's key (secret.key) and masked in task logs.`,
	}
	cmd.AddCommand(newVarSet(env, g), newVarGet(env, g), newVarList(env, g), newVarRm(env, g))
	return cmd
}

// maxVarSize bounds a variable's value, as the Variables page does.
const maxVarSize = 1 << 20

func newVarSet(env Env, g *globals) *cobra.Command {
	var secret bool
	cmd := &cobra.Command{
		Use:   "set NAME [VALUE]",
		Short: "Set a variable; the value is read from stdin when not given (a secret always is)",
		Long: `Set a variable. Without VALUE, the value is read from stdin; at a terminal
it is asked for, without echo for a secret. A secret is never taken from the
command line, where every user of the machine sees it (ps) and the shell
history keeps it:

  meshflow var set TOKEN --secret            # asks for it
  pass show token | meshflow var set TOKEN --secret`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if secret && len(args) == 2 {
				return fmt.Errorf("a secret on the command line is seen by every user of the machine and kept in your shell history: "+
					"run 'meshflow var set %s --secret' and type it, or pipe it in", args[0])
			}
			value := ""
			if len(args) == 2 {
				value = args[1]
			} else {
				v, err := readValue(cmd, args[0], secret)
				if err != nil {
					return err
				}
				value = v
			}
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				err := a.Variables().Set(cmd.Context(), args[0], value, secret)
				if err := errors.Join(err, recordVar(cmd.Context(), a, model.ActionVariableSet, args[0], err)); err != nil {
					return err
				}
				kind := "variable"
				if secret {
					kind = "secret"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s %s set\n", kind, args[0])
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&secret, "secret", false, "seal the value and mask it in logs")
	return cmd
}

func newVarGet(env Env, g *globals) *cobra.Command {
	var reveal bool
	cmd := &cobra.Command{
		Use: "get NAME", Short: "Print a variable's value", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				v, err := a.Variables().Get(cmd.Context(), args[0], reveal)
				if err != nil {
					return err
				}
				if v.Secret && !reveal {
					return errors.New(args[0] + " is secret: add --reveal to print it")
				}
				fmt.Fprintln(cmd.OutOrStdout(), v.Value)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&reveal, "reveal", false, "print a secret's value")
	return cmd
}

func newVarList(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list", Short: "List variables; secret values are not shown", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				vars, err := a.Variables().List(cmd.Context())
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "NAME\tVALUE\tUPDATED")
				for _, v := range vars {
					value := v.Value
					if v.Secret {
						value = "(secret)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", v.Name, value, when(v.UpdatedAt))
				}
				return tw.Flush()
			})
		},
	}
}

func newVarRm(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "rm NAME", Short: "Remove a variable", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				err := a.Variables().Delete(cmd.Context(), args[0])
				if err := errors.Join(err, recordVar(cmd.Context(), a, model.ActionVariableDelete, args[0], err)); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed %s\n", args[0])
				return nil
			})
		},
	}
}

// recordVar puts a change to a variable in the audit log, as the
// Variables page records its own: by name, never with the value.
func recordVar(ctx context.Context, a *app.App, action, name string, err error) error {
	return a.Audit(ctx, app.LocalOrigin(), action, model.VariableTarget(name), err)
}

// readValue reads a variable's value from stdin: asked for at a terminal
// (without echo for a secret), else everything up to EOF, one trailing
// newline dropped.
func readValue(cmd *cobra.Command, name string, secret bool) (string, error) {
	if f, ok := cmd.InOrStdin().(*os.File); ok && secret && term.IsTerminal(int(f.Fd())) {
		return askSecret(cmd.Context(), cmd.ErrOrStderr(), f, name)
	}
	b, err := readAll(cmd.Context(), io.LimitReader(cmd.InOrStdin(), maxVarSize+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxVarSize {
		return "", fmt.Errorf("the value on stdin is over %d bytes: keep large data in a file and store its path", maxVarSize)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// askSecret reads a secret typed at the terminal without echoing it. A
// signal while it waits restores the terminal before the command ends.
func askSecret(ctx context.Context, prompt io.Writer, tty *os.File, name string) (string, error) {
	fd := int(tty.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(prompt, "Value of secret %s (not shown): ", name)
	b, err := readCancellable(ctx, func() ([]byte, error) { return term.ReadPassword(fd) })
	if ctx.Err() != nil { // ReadPassword may still hold the terminal without echo
		_ = term.Restore(fd, state)
	}
	fmt.Fprintln(prompt)
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", errors.New("no value typed: nothing was set")
	}
	return string(b), nil
}

// readAll reads r to the end, or gives up when ctx ends: a read from a
// terminal or a pipe does not return on a signal by itself.
func readAll(ctx context.Context, r io.Reader) ([]byte, error) {
	return readCancellable(ctx, func() ([]byte, error) { return io.ReadAll(r) })
}

// readCancellable runs read, which may block on a terminal or pipe, and
// gives up when ctx ends, so that a value awaited on stdin does not hold up
// Ctrl+C or SIGTERM.
func readCancellable(ctx context.Context, read func() ([]byte, error)) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		b, err := read()
		done <- result{b, err}
	}()
	select {
	case res := <-done:
		return res.b, res.err
	case <-ctx.Done():
		return nil, fmt.Errorf("reading the value from stdin: %w", context.Cause(ctx))
	}
}
