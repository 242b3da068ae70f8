package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
)

func newAudit(env Env, g *globals) *cobra.Command {
	var source, action, outcome, target string
	var limit int
	var before int64
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Print the audit log: who changed what, through which face, and how it ended",
		Long: `Print recent events of the audit log, newest first: every change asked for in
the UI, the desktop window, through the API or with a meshflow command, with
its source (ui, desktop, api, cli, system), who asked, the action, its target and its
outcome (done, refused, failed) with the reason. Filters combine:

  meshflow audit --source cli --action dag.trigger
  meshflow audit --outcome refused --target "run 42"

While meshflow is running on the data dir, the log is read through it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{"source": {source}, "action": {action}, "outcome": {outcome}, "target": {target}}
			q.Set("limit", strconv.Itoa(limit))
			if before > 0 {
				q.Set("before", strconv.FormatInt(before, 10))
			}
			f, err := audit.ParseFilter(q)
			if err != nil {
				return err
			}
			events, err := auditEvents(cmd.Context(), env, *g, f)
			if err != nil {
				return err
			}
			return printAudit(cmd.OutOrStdout(), events, f)
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "only events from ui, desktop, api or cli")
	cmd.Flags().StringVar(&action, "action", "", "only this action, e.g. dag.trigger")
	cmd.Flags().StringVar(&outcome, "outcome", "", "only done, refused or failed events")
	cmd.Flags().StringVar(&target, "target", "", `only targets containing this text, e.g. "etl" or "run 42"`)
	cmd.Flags().IntVarP(&limit, "limit", "n", 20, "print at most this many events")
	cmd.Flags().Int64Var(&before, "before", 0, "only events older than the one with this id (to page back)")
	return cmd
}

// auditEvents reads the log through the meshflow that owns the data dir,
// or from the database when none does.
func auditEvents(ctx context.Context, env Env, g globals, f model.AuditFilter) ([]model.AuditEvent, error) {
	cfg, _, err := load(env, g, "")
	if err != nil {
		return nil, err
	}
	remote, err := remoteOf(env, app.DataDir(cfg.DataDir))
	if err == nil {
		return remote.AuditEvents(ctx, f)
	}
	if !errors.Is(err, app.ErrNoServer) {
		return nil, err
	}
	var events []model.AuditEvent
	err = withApp(ctx, env, g, "", false, func(a *app.App) (err error) {
		events, err = a.Store.AuditEvents(ctx, f)
		return err
	})
	return events, err
}

func printAudit(w io.Writer, events []model.AuditEvent, f model.AuditFilter) error {
	if len(events) == 0 {
		if f.IsZero() {
			_, err := fmt.Fprintln(w, "no events recorded yet")
			return err
		}
		_, err := fmt.Fprintln(w, "no events match the filter")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWHEN\tSOURCE\tWHO\tACTION\tTARGET\tOUTCOME\tREASON")
	for _, e := range events {
		who := e.Actor
		if e.Address != "" {
			who += " at " + e.Address
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, when(e.At), e.Source, dash(who),
			e.Action, dash(e.Target.String()), e.Outcome, dash(e.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if last := events[len(events)-1]; f.Limit > 0 && len(events) == f.Limit {
		_, err := fmt.Fprintf(w, "older events: add --before %d\n", last.ID)
		return err
	}
	return nil
}

// dash stands in for an empty column, so the columns stay aligned.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
