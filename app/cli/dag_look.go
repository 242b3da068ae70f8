package cli

import (
	"errors"
	"fmt"
	"io"
	"net/url"
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
	var name, tag, status string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the DAGs, their schedules and problems",
		Long: `List the DAG files with their schedules, next runs and problems. --name,
--tag and --status filter the list as the web UI's filters do.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := workflow.ParseDAGFilter(url.Values{"q": {name}, "tag": {tag}, "status": {status}})
			if err != nil {
				return flagError(err)
			}
			var dags []workflow.DAG
			err = withDAGs(cmd.Context(), env, *g, func(a *app.App) (err error) {
				dags, err = a.Workflows().Service.DAGs(cmd.Context())
				return err
			})
			if err != nil {
				return err
			}
			return printDAGs(cmd.OutOrStdout(), f.Filter(dags))
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "only DAGs with this in their name, in any case")
	cmd.Flags().StringVar(&tag, "tag", "", "only DAGs with this tag")
	cmd.Flags().StringVar(&status, "status", "", "only DAGs whose schedule is active or paused")
	return cmd
}

// flagError words a filter's refusal for the command line, where its
// parameters are flags: state "lost" is … reads --state "lost" is ….
func flagError(err error) error { return fmt.Errorf("--%w", err) }

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
	var tag, from, to string
	var states, triggers []string
	cmd := &cobra.Command{
		Use:   "runs [NAME]",
		Short: "List the runs of a DAG, or of every DAG, newest first",
		Long: `List runs, newest first: of the named DAG, or of every DAG. --tag, --state,
--trigger, --from and --to filter them as the web UI's filters do; days are
read in this machine's zone, and --to includes its day.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q := url.Values{"tag": {tag}, "state": states, "trigger": triggers, "from": {from}, "to": {to}}
			if len(args) == 1 {
				q.Set("dag", args[0])
			}
			f, err := workflow.ParseRunFilter(q, time.Local)
			if err != nil {
				return flagError(err)
			}
			f.Limit = limit
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				svc := a.Workflows().Service
				if f.Tag != "" {
					// Tags live in the DAG files.
					if err := a.Workflows().Load(); err != nil {
						return err
					}
				}
				runs, err := svc.Runs(cmd.Context(), f)
				if err != nil {
					return err
				}
				if len(runs) == 0 {
					return noRuns(args, f)
				}
				tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "RUN\tDAG\tSTATE\tTRIGGER\tSTARTED\tDURATION\tERROR")
				for _, r := range runs {
					fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.DAG, r.State, r.Trigger, when(r.StartedAt), took(r.StartedAt, r.EndedAt), r.Error)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "how many runs to show")
	cmd.Flags().StringVar(&tag, "tag", "", "only runs of DAGs with this tag")
	cmd.Flags().StringSliceVar(&states, "state", nil, "only runs in these states: queued, running, success, failed, cancelled")
	cmd.Flags().StringSliceVar(&triggers, "trigger", nil, "only runs started so: schedule, manual, cli, api, dag")
	cmd.Flags().StringVar(&from, "from", "", "only runs queued on or after this day, e.g. 2026-12-01")
	cmd.Flags().StringVar(&to, "to", "", "only runs queued on or before this day")
	return cmd
}

// noRuns says that no run was found, and what to do about it.
func noRuns(args []string, f model.RunFilter) error {
	filtered := f.Tag != "" || len(f.States) > 0 || len(f.Triggers) > 0 || !f.From.IsZero() || !f.To.IsZero()
	switch {
	case filtered:
		return errors.New("no runs match these filters")
	case len(args) == 1:
		return errors.New("no runs of " + args[0] + " yet: start one with 'meshflow dag trigger " + args[0] + "'")
	}
	return errors.New("no runs yet: start one with 'meshflow dag trigger NAME'")
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
