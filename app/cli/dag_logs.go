package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/tasklog"
)

func newDAGLogs(env Env, g *globals) *cobra.Command {
	var follow, raw bool
	cmd := &cobra.Command{
		Use:   "logs RUN [TASK]",
		Short: "Print the logs of a run, or of one of its tasks",
		Long: `Print the logs of a run, or of one of its tasks, each try under its own
heading. Control characters and terminal escape sequences in the output
(colours, cursor movement, window titles) are left out, so that a task cannot
drive your terminal; --raw prints the bytes as the task wrote them.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseRunID(args[0])
			if err != nil {
				return err
			}
			task := ""
			if len(args) == 2 {
				task = args[1]
			}
			out := cmd.OutOrStdout()
			if raw {
				out = env.rawStdout
			}
			return withApp(cmd.Context(), env, *g, "", false, func(a *app.App) error {
				r, err := a.Workflows().Service.Run(cmd.Context(), id)
				if err != nil {
					return err
				}
				logs := a.Workflows().Logs
				if !follow || r.State.Done() {
					return printLogs(out, logs, r.DAG, id, task)
				}
				done := make(chan struct{})
				go func() { waitDone(cmd.Context(), a, id); close(done) }()
				return logs.Follow(cmd.Context(), out, r.DAG, id, task, done)
			})
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing as the run writes, until it ends")
	cmd.Flags().BoolVar(&raw, "raw", false, "print the output as written, escape sequences included")
	return cmd
}

// waitDone polls the store until the run has ended: this process may not
// be the one running it.
func waitDone(ctx context.Context, a *app.App, id int64) {
	for {
		r, err := a.Workflows().Service.Run(ctx, id)
		if err != nil || r.State.Done() {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func printLogs(w io.Writer, logs tasklog.Dir, dagName string, runID int64, task string) error {
	files := logs.Files(dagName, runID, task)
	if len(files) == 0 {
		fmt.Fprintln(w, "(no output)")
	}
	for _, k := range files {
		fmt.Fprintf(w, "== %s ==\n", k.Name())
		if err := logs.Copy(w, k); err != nil {
			return err
		}
	}
	return nil
}

func newDAGPlan(env Env, g *globals) *cobra.Command {
	var p paramFlags
	cmd := &cobra.Command{
		Use:   "plan NAME",
		Short: "Show what a run would do — order and arguments — without running anything",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			given, err := p.values()
			if err != nil {
				return err
			}
			return withDAGs(cmd.Context(), env, *g, func(a *app.App) error {
				e, err := a.Workflows().Service.Runnable(args[0])
				if err != nil {
					return err
				}
				params, err := dag.ResolveParams(e.DAG, given)
				if err != nil {
					return err
				}
				return printPlan(cmd.OutOrStdout(), e.DAG, params)
			})
		},
	}
	p.add(cmd)
	return cmd
}

// printPlan prints the tasks in run order with their arguments rendered as
// far as they can be before running: outputs of other tasks are shown as
// the template that will read them.
func printPlan(w io.Writer, d *dag.DAG, params map[string]any) error {
	plan, err := dag.NewPlan(d)
	if err != nil {
		return err
	}
	vars := map[string]string{}
	for _, v := range d.Vars {
		vars[v.Name] = v.Value
	}
	data := dag.TemplateData{
		Params: params, Vars: vars, Tasks: map[string]dag.TaskData{},
		Run: dag.RunInfo{LogicalDate: time.Now(), Trigger: "plan"},
	}
	noSecrets := func(name string) (string, error) { return "<secret " + name + ">", nil }
	for n, id := range plan.Order() {
		t := d.Tasks[plan.Index(id)]
		fmt.Fprintf(w, "%d. %s (%s)", n+1, t.ID, t.Op)
		if len(t.Needs) > 0 {
			fmt.Fprintf(w, " after %s", strings.Join(t.Needs, ", "))
		}
		if t.TriggerRule != "" {
			fmt.Fprintf(w, " [%s]", t.TriggerRule)
		}
		fmt.Fprintln(w)
		for _, k := range slices.Sorted(maps.Keys(t.With)) {
			v, _, err := dag.RenderArgs(map[string]any{k: t.With[k]}, data, noSecrets)
			shown := t.With[k]
			if err == nil {
				shown = v[k]
			}
			fmt.Fprintf(w, "     %s: %s\n", k, showArg(shown))
		}
	}
	return nil
}

// showArg prints an argument readably: text as it is, indented under its
// name when it has several lines; anything else as JSON.
func showArg(v any) string {
	if s, ok := v.(string); ok {
		if !strings.Contains(strings.TrimRight(s, "\n"), "\n") {
			return strings.TrimRight(s, "\n")
		}
		return "|\n       " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n       ")
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(b.String())
}
