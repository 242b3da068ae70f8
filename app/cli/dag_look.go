package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
)

func newDAGList(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the DAGs, their schedules and problems",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var dags []workflow.DAG
			err := withDAGs(cmd.Context(), env, *g, func(a *app.App) (err error) {
				dags, err = a.Workflows().Service.DAGs(cmd.Context())
				return err
			})
			if err != nil {
				return err
			}
			return printDAGs(cmd.OutOrStdout(), dags)
		},
	}
}

func printDAGs(w io.Writer, dags []workflow.DAG) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCHEDULE\tNEXT RUN\tPAUSED\tSTATUS")
	var problems []string
	for _, d := range dags {
		sched, next := "manual", "-"
		if d.Schedule != "" {
			sched = dag.DescribeSchedule(d.Schedule)
		}
		if !d.NextRunAt.IsZero() {
			next = d.NextRunAt.Local().Format("2006-01-02 15:04")
		}
		status := "ok"
		switch {
		case d.Stale:
			status = "invalid file; last good version runs"
		case d.Error != "":
			status = "invalid"
		case len(d.Warnings) == 1:
			status = "ok, 1 warning (see dag validate)"
		case len(d.Warnings) > 1:
			status = fmt.Sprintf("ok, %d warnings (see dag validate)", len(d.Warnings))
		}
		if d.Error != "" {
			problems = append(problems, d.Error)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", d.Name, sched, next, d.Paused, status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintf(w, "\n%s\n", p)
	}
	return nil
}

func newDAGValidate(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [FILE...]",
		Short: "Check DAG files; exit non-zero on any error",
		Long:  "Check the given DAG files, or every file in the dags/ folder, and print each problem with its file, line and column. Warnings (such as a param pasted unquoted into a shell command) are printed too, but do not fail the command.",
		RunE: func(cmd *cobra.Command, files []string) error {
			if len(files) == 0 {
				cfg, _, err := load(env, *g, "")
				if err != nil {
					return err
				}
				dir := dagdir.New(app.DataDir(cfg.DataDir).DAGs(), app.NewOps(nil))
				if _, err := dir.Load(); err != nil {
					return err
				}
				for _, e := range dir.List() {
					files = append(files, e.File)
				}
			}
			bad := 0
			for _, f := range files {
				d, _, err := dagdir.LoadFile(f, app.NewOps(nil))
				if err != nil {
					bad++
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					continue
				}
				printValid(cmd.OutOrStdout(), f, d.Warnings)
			}
			if bad > 0 {
				return fmt.Errorf("%d of %d DAG files have problems", bad, len(files))
			}
			return nil
		},
	}
}

// printValid reports a file that loads. Its warnings are printed but do
// not fail the command: the DAG loads and runs as it is.
func printValid(w io.Writer, file string, warnings dag.Errors) {
	for _, warn := range warnings {
		fmt.Fprintln(w, warn)
	}
	switch len(warnings) {
	case 0:
		fmt.Fprintf(w, "%s: ok\n", file)
	case 1:
		fmt.Fprintf(w, "%s: ok (1 warning)\n", file)
	default:
		fmt.Fprintf(w, "%s: ok (%d warnings)\n", file, len(warnings))
	}
}

func newDAGShow(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Print a DAG: its file, schedule, params and tasks in run order",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withDAGs(cmd.Context(), env, *g, func(a *app.App) error {
				e, err := a.Workflows().Service.Runnable(args[0])
				if err != nil {
					return err
				}
				return printDAG(cmd.OutOrStdout(), e)
			})
		},
	}
}

func printDAG(w io.Writer, e *dagdir.Entry) error {
	d := e.DAG
	plan, err := dag.NewPlan(d)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s — %s\nfile: %s\n", d.Name, d.Description, e.File)
	if d.Schedule != "" {
		fmt.Fprintf(w, "schedule: %s (%s)\n", d.Schedule, dag.DescribeSchedule(d.Schedule))
	}
	for _, p := range d.Params {
		fmt.Fprintf(w, "param %s (%s) default %v: %s\n", p.Name, p.Type, p.Default, p.Description)
	}
	fmt.Fprintln(w, "tasks, in run order:")
	for _, id := range plan.Order() {
		t := d.Tasks[plan.Index(id)]
		needs := ""
		if len(t.Needs) > 0 {
			needs = " after " + strings.Join(t.Needs, ", ")
		}
		fmt.Fprintf(w, "  %s (%s)%s\n", t.ID, t.Op, needs)
	}
	if e.Err != nil {
		fmt.Fprintf(w, "\nthe file is invalid now; the version above still runs:\n%v\n", e.Err)
	}
	return nil
}

func newDAGRuns(env Env, g *globals) *cobra.Command {
	var limit int
	cmd := &cobra.Command{
		Use:   "runs NAME",
		Short: "List the runs of a DAG, newest first",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				runs, err := a.Workflows().Service.Runs(cmd.Context(), model.RunFilter{DAG: args[0], Limit: limit})
				if err != nil {
					return err
				}
				if len(runs) == 0 {
					return errors.New("no runs of " + args[0] + " yet: start one with 'meshflow dag trigger " + args[0] + "'")
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "RUN\tSTATE\tTRIGGER\tSTARTED\tDURATION\tERROR")
				for _, r := range runs {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.State, r.Trigger, when(r.StartedAt), took(r.StartedAt, r.EndedAt), r.Error)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs to show")
	return cmd
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func took(start, end time.Time) string {
	if start.IsZero() || end.IsZero() {
		return "-"
	}
	return end.Sub(start).Round(time.Millisecond).String()
}
