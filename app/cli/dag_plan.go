package cli

import (
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
)

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
