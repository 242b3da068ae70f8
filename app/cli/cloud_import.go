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
			ctx, w := cmd.Context(), cmd.OutOrStdout()
			files := make([]importers.File, 0, len(args))
			for _, path := range args {
				data, err := os.ReadFile(path)
				if err != nil {
					return fmt.Errorf("cloud import: %w", err)
				}
				files = append(files, importers.File{Path: path, Data: data})
			}
			return withApp(ctx, env, *g, "", false, func(a *app.App) error {
				svc := a.Connections()
				var found connections.Found
				var err error
				if len(args) > 0 {
					found, err = svc.Parse(ctx, files...)
				} else {
					home, _ := os.UserHomeDir()
					found, err = svc.Discover(ctx, connections.Places{Home: home, Getenv: os.Getenv})
				}
				if err != nil {
					return err
				}
				if len(args) == 0 {
					if len(found.Files) == 0 {
						fmt.Fprintln(w, "found no credentials in the usual places; name the file: meshflow cloud import FILE")
						return nil
					}
					for _, c := range found.Files {
						switch {
						case c.Format == importers.FormatEnv:
							fmt.Fprintln(w, "found: credentials in the environment (OS_*, AZURE_*, AWS_*)")
						case c.Err != nil:
							fmt.Fprintf(w, "found: %s, which cannot be read: %v\n", c.Path, c.Err)
						default:
							fmt.Fprintf(w, "found: %s (%s)\n", c.Path, c.Format)
						}
					}
					if !all {
						fmt.Fprintln(w, "import all of it with 'meshflow cloud import --all', or name the files")
						return nil
					}
				}
				done, err := svc.ImportFound(ctx, found)
				var names []string
				for _, p := range found.Plan {
					names = append(names, p.Name)
				}
				err = errors.Join(err, a.Audit(ctx, app.LocalOrigin(), model.ActionConnectionImport, model.ConnectionTarget(strings.Join(names, ", ")), err))
				for _, n := range done.Added {
					fmt.Fprintf(w, "added %s\n", n)
				}
				for _, n := range done.Updated {
					fmt.Fprintf(w, "updated %s\n", n)
				}
				for _, s := range done.Skipped {
					fmt.Fprintf(w, "skipped %s: %s\n", s.Name, s.Reason)
				}
				for _, n := range found.Notes {
					fmt.Fprintf(w, "note on %s (%s): %s\n", n.Name, n.Source, n.Text)
				}
				if found.Storage > 0 {
					fmt.Fprintf(w, "%d storage entries were found; storage connections come in a later version\n", found.Storage)
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "with no FILE, import everything found")
	return cmd
}
