package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
)

func newDB(env Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Back up or reset the database",
	}
	cmd.AddCommand(newDBBackup(env, g), newDBReset(env, g))
	return cmd
}

func newDBBackup(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database to FILE",
		Long: `Write a consistent copy of the database to FILE. Safe while meshflow is
running: the copy is the state at one instant, verified with an integrity
check before it appears under FILE. An existing FILE is never overwritten.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := load(env, *g, "")
			if err != nil {
				return err
			}
			if _, err := os.Stat(app.DataDir(cfg.DataDir).DB()); errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("no database to back up at %s: check --data or $MESHFLOW_DATA",
					app.DataDir(cfg.DataDir).DB())
			}
			dest, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				if err := a.Store.Backup(cmd.Context(), dest); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "backed up %s to %s\n", a.Store.Path(), dest)
				return err
			})
		},
	}
}

func newDBReset(env Env, g *globals) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "reset --yes",
		Short: "Delete the database and start with an empty one",
		Long: `Delete the database — settings, audit log and all other recorded state — and
create an empty one. DAG files in dags/ and logs in logs/ are kept. Refused
while meshflow is running on the same data dir. Take a backup first with
'meshflow db backup FILE' if you may want the old state back.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := load(env, *g, "")
			if err != nil {
				return err
			}
			dir := app.DataDir(cfg.DataDir)
			if !yes {
				return fmt.Errorf("this deletes every setting and record in %s; run again with --yes to confirm", dir.DB())
			}
			if err := dir.ResetDB(); err != nil {
				return err
			}
			// Opening creates the empty database at the current schema.
			return withApp(cmd.Context(), env, *g, "", true, func(*app.App) error {
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "reset %s; dags/ and logs/ were kept\n", dir.DB())
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm that the database should be deleted")
	return cmd
}
