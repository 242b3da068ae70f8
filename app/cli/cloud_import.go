package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/vault/importers"
)

func newCloudImport(env Env, g *globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "import [FILE...]",
		Short: "Import connections from the clouds' own files: ~/.aws, clouds.yaml, openrc, Azure JSON, cloudmesh.yaml",
		Long: `Import connections from the files the clouds' own tools write, recognised by
their content: ~/.aws/credentials and ~/.aws/config, OpenStack clouds.yaml
(with secure.yaml) and openrc files, Azure service-principal JSON, and
Cloudmesh's ~/.cloudmesh/cloudmesh.yaml. Importing again updates the
connections of the same name and kind, never duplicates them. Entries meshflow
cannot use (other clouds, placeholders such as TBD) are listed as skipped,
with the reason.

With no FILE it lists what it finds in the usual places and in OS_*, AZURE_*
and AWS_* variables; --all imports all of it.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var files []importers.File
			fromEnv := false
			if len(args) == 0 {
				home, _ := os.UserHomeDir()
				found := importers.Discover(home, os.Getenv)
				if len(found) == 0 {
					fmt.Fprintln(cmd.OutOrStdout(), "found no credentials in the usual places; name the file: meshflow cloud import FILE")
					return nil
				}
				for _, c := range found {
					switch {
					case c.Format == importers.FormatEnv:
						fmt.Fprintln(cmd.OutOrStdout(), "found: credentials in the environment (OS_*, AZURE_*, AWS_*)")
						fromEnv = true
					case c.Err != nil:
						fmt.Fprintf(cmd.OutOrStdout(), "found: %s, which cannot be read: %v\n", c.Path, c.Err)
					default:
						fmt.Fprintf(cmd.OutOrStdout(), "found: %s (%s)\n", c.Path, c.Format)
						data, err := os.ReadFile(c.Path)
						if err != nil {
							return err
						}
						files = append(files, importers.File{Path: c.Path, Data: data})
					}
				}
				if !all {
					fmt.Fprintln(cmd.OutOrStdout(), "import all of it with 'meshflow cloud import --all', or name the files")
					return nil
				}
			}
			for _, path := range args {
				data, err := os.ReadFile(path)
				if err != nil {
					return fmt.Errorf("cloud import: %w", err)
				}
				files = append(files, importers.File{Path: path, Data: data})
			}
			var res importers.Result
			if len(files) > 0 {
				var err error
				if res, err = importers.ParseFiles(files...); err != nil {
					return err
				}
			}
			if fromEnv {
				env := importers.FromEnv(os.Getenv)
				res.Connections, res.Skipped = append(res.Connections, env.Connections...), append(res.Skipped, env.Skipped...)
				res.Notes = append(res.Notes, env.Notes...)
			}
			var skipped []connections.Skip
			for _, s := range res.Skipped {
				skipped = append(skipped, connections.Skip{Name: s.Name, Reason: s.Source + ": " + s.Reason})
			}
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				done, err := a.Connections().Import(cmd.Context(), res.Connections, skipped)
				var names []string
				for _, c := range res.Connections {
					names = append(names, c.Name)
				}
				err = errors.Join(err, a.Audit(cmd.Context(), app.LocalOrigin(), model.ActionConnectionImport, model.ConnectionTarget(strings.Join(names, ", ")), err))
				w := cmd.OutOrStdout()
				for _, n := range done.Added {
					fmt.Fprintf(w, "added %s\n", n)
				}
				for _, n := range done.Updated {
					fmt.Fprintf(w, "updated %s\n", n)
				}
				for _, s := range done.Skipped {
					fmt.Fprintf(w, "skipped %s: %s\n", s.Name, s.Reason)
				}
				for _, n := range res.Notes {
					fmt.Fprintf(w, "note on %s (%s): %s\n", n.Name, n.Source, n.Text)
				}
				if len(res.Storage) > 0 {
					fmt.Fprintf(w, "%d storage entries were found; storage connections come in a later version\n", len(res.Storage))
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "with no FILE, import everything found")
	return cmd
}
