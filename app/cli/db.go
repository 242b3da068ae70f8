package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/model"
)

func newDB(env Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Back up, restore or reset the database",
	}
	cmd.AddCommand(newDBBackup(env, g), newDBRestore(env, g), newDBReset(env, g))
	return cmd
}

func newDBBackup(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the database, and its secrets' key, to FILE and FILE.key",
		Long: `Write a consistent copy of the database to FILE, and the key its secrets are
sealed with (secret.key) to FILE.key. Safe while meshflow is running: the copy
is the state at one instant, verified with an integrity check before it
appears under FILE. Both files are readable by you only (0600); keep them
together and as private as the data dir, since FILE.key opens every secret.
Neither file is ever overwritten. Restore with 'meshflow db restore FILE'.

DAG files (dags/) and task logs (logs/) are plain files and not part of the
backup.`,
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
				keyFile, err := a.Backup(cmd.Context(), dest)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "backed up %s to %s\n", a.Store.Path(), dest)
				if keyFile == "" {
					fmt.Fprintln(out, "no secret.key yet (no secret was ever set): the backup needs no key")
					return nil
				}
				_, err = fmt.Fprintf(out, "and the key of its secrets to %s: keep the two together and private\n", keyFile)
				return err
			})
		},
	}
}

func newDBRestore(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "restore FILE",
		Short: "Restore a backup (FILE and FILE.key) into an empty data dir",
		Long: `Restore a backup written by 'meshflow db backup FILE' into the data dir,
which must have no database and no secret.key yet and must not be in use
(start from a new directory with --data, or move the old files away). FILE is
checked first — integrity, a schema this meshflow understands, and that
FILE.key, when the backup holds secrets, opens them — and then FILE.key and
FILE are put in place as secret.key and meshflow.db.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := load(env, *g, "")
			if err != nil {
				return err
			}
			src, err := filepath.Abs(args[0])
			if err != nil {
				return err
			}
			dir := app.DataDir(cfg.DataDir)
			info, err := dir.Restore(cmd.Context(), src)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "restored %s into %s (schema version %d)\n", src, dir.DB(), info.SchemaVersion)
			if _, err := os.Stat(dir.Key()); err == nil {
				fmt.Fprintf(out, "and %s into %s\n", src+app.KeySuffix, dir.Key())
			}
			_, err = fmt.Fprintf(out, "start meshflow with --data %s; DAG files are not part of a backup: put yours in %s\n", dir, dir.DAGs())
			return err
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
			return withApp(cmd.Context(), env, *g, "", true, func(a *app.App) error {
				if err := a.Audit(cmd.Context(), app.LocalOrigin(), model.ActionDBReset, model.AuditTarget{Kind: model.TargetDatabase}, nil); err != nil {
					return err
				}
				_, err := fmt.Fprintf(cmd.OutOrStdout(), "reset %s; dags/ and logs/ were kept\n", dir.DB())
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm that the database should be deleted")
	return cmd
}
