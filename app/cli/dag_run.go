package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
)

func newDAGTrigger(env Env, g *globals) *cobra.Command {
	var p paramFlags
	var wait bool
	cmd := &cobra.Command{
		Use:   "trigger NAME",
		Short: "Start a run; with --wait, exit with its result",
		Long: `Start a run of the DAG. Through a running meshflow the command returns at
once unless --wait is given; with no meshflow running, it runs the DAG here
and waits. With --wait the exit status is 0 only if the run succeeded.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			params, err := p.values()
			if err != nil {
				return err
			}
			return withService(cmd.Context(), env, *g, func(svc api.Service) error {
				r, err := svc.Trigger(cmd.Context(), args[0], params, model.TriggerCLI)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), triggered(cmd.Context(), svc, r))
				_, remote := svc.(*api.Client)
				if !wait && remote {
					return nil
				}
				return waitAndReport(cmd.Context(), cmd, svc, r.ID)
			})
		},
	}
	p.add(cmd)
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the run to end; the exit status is its result")
	return cmd
}

// triggered says where a run just triggered stands, as its page does: its
// state, and why it waits when it is queued behind other runs
// (max_active_runs) or its tasks wait for pool slots.
func triggered(ctx context.Context, svc api.Service, r model.Run) string {
	d, err := svc.RunDetail(ctx, r.ID)
	if err != nil {
		// The run exists; only the explanation is missing.
		return fmt.Sprintf("run %d of %s: %s", r.ID, r.DAG, r.State)
	}
	line := fmt.Sprintf("run %d of %s: %s", d.Run.ID, d.Run.DAG, d.Run.State)
	if d.Waiting != "" {
		line += ". " + d.Waiting
	}
	for _, t := range d.Tasks {
		if why := d.Waits[t.TaskID]; workflow.WaitsForPool(why) {
			line += "\n  task " + t.TaskID + " " + why
		}
	}
	return line
}

// waitAndReport waits for a run and turns anything but success into an
// error, so the exit status tells the result.
func waitAndReport(ctx context.Context, cmd *cobra.Command, svc api.Service, id int64) error {
	r, err := svc.Wait(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "run %d of %s ended %s after %s\n", r.ID, r.DAG, r.State, took(r.StartedAt, r.EndedAt))
	if r.State != model.RunSuccess {
		return fmt.Errorf("run %d %s: %s (see 'meshflow dag logs %d')", r.ID, r.State, r.Error, r.ID)
	}
	return nil
}

func newDAGTest(env Env, g *globals) *cobra.Command {
	var p paramFlags
	cmd := &cobra.Command{
		Use:   "test NAME",
		Short: "Run a DAG here in the foreground, with its logs on the terminal",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			params, err := p.values()
			if err != nil {
				return err
			}
			cfg, _, err := load(env, *g, "")
			if err != nil {
				return err
			}
			if _, err := app.DataDir(cfg.DataDir).Remote(); err == nil {
				return errors.New("meshflow is running on this data dir: use 'meshflow dag trigger " + args[0] + " --wait', or stop it first")
			}
			return withApp(cmd.Context(), env, *g, "", true, func(a *app.App) error {
				engine, err := a.StartEngine(cmd.Context())
				if err != nil {
					return err
				}
				return errors.Join(testRun(cmd, a, args[0], params), engine.Stop())
			})
		},
	}
	p.add(cmd)
	return cmd
}

// testRun triggers the DAG and shows its logs until it ends.
func testRun(cmd *cobra.Command, a *app.App, name string, params map[string]any) error {
	ctx := cmd.Context()
	w := a.Workflows()
	svc := a.Audited(w.Service, app.LocalOrigin())
	r, err := svc.Trigger(ctx, name, params, model.TriggerCLI)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "run %d of %s started\n", r.ID, name)
	done := make(chan struct{})
	followed := make(chan error, 1)
	go func() { followed <- w.Logs.Follow(ctx, cmd.OutOrStdout(), name, r.ID, "", done) }()
	err = waitAndReport(ctx, cmd, svc, r.ID)
	close(done)
	return errors.Join(<-followed, err)
}

func newDAGPause(env Env, g *globals, paused bool) *cobra.Command {
	verb := "unpause"
	short := "Let the DAG's schedule start runs again"
	if paused {
		verb, short = "pause", "Stop the DAG's schedule from starting runs"
	}
	return &cobra.Command{
		Use: verb + " NAME", Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withService(cmd.Context(), env, *g, func(svc api.Service) error {
				if err := svc.SetPaused(cmd.Context(), args[0], paused); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %sd\n", args[0], verb)
				return nil
			})
		},
	}
}

func newDAGCancel(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "cancel RUN", Short: "Cancel a run: stop its tasks and end it cancelled", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseRunID(args[0])
			if err != nil {
				return err
			}
			return withService(cmd.Context(), env, *g, func(svc api.Service) error {
				if err := svc.Cancel(cmd.Context(), id); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "run %d: cancel requested\n", id)
				return nil
			})
		},
	}
}

func newDAGRetry(env Env, g *globals) *cobra.Command {
	var failedOnly, wait bool
	cmd := &cobra.Command{
		Use: "retry RUN", Short: "Run a run's tasks again (only the failed ones with --failed-only)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseRunID(args[0])
			if err != nil {
				return err
			}
			return withService(cmd.Context(), env, *g, func(svc api.Service) error {
				if err := svc.Retry(cmd.Context(), id, failedOnly); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "run %d: retrying\n", id)
				if _, remote := svc.(*api.Client); !remote || wait {
					return waitAndReport(cmd.Context(), cmd, svc, id)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&failedOnly, "failed-only", false, "retry only failed, upstream_failed and cancelled tasks and what follows them")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait for the run to end; the exit status is its result")
	return cmd
}

func parseRunID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not a run number: see 'meshflow dag runs NAME'", s)
	}
	return id, nil
}
