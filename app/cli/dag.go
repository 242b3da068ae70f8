package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/api"
)

func newDAG(env Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dag",
		Short: "List, check, run and inspect DAGs",
		Long: `Work with the DAGs in the data dir's dags/ folder. While meshflow is running
on the same data dir, commands act through it; otherwise they act on the
data dir directly.`,
	}
	cmd.AddCommand(newDAGList(env, g), newDAGValidate(env, g), newDAGShow(env, g), newDAGPlan(env, g),
		newDAGTrigger(env, g), newDAGTest(env, g), newDAGPause(env, g, true), newDAGPause(env, g, false),
		newDAGRuns(env, g), newDAGLogs(env, g), newDAGCancel(env, g), newDAGRetry(env, g))
	return cmd
}

// withService runs fn with the API of the meshflow process that owns the
// data dir, or, when none runs, with this process owning it: the engine
// then runs here for as long as fn does (nothing is scheduled). Either way
// the changes fn makes are in the audit log as the CLI's.
func withService(ctx context.Context, env Env, g globals, fn func(api.Service) error) error {
	cfg, _, err := load(env, g, "")
	if err != nil {
		return err
	}
	remote, err := remoteOf(env, app.DataDir(cfg.DataDir))
	if err == nil {
		return fn(remote)
	}
	if !errors.Is(err, app.ErrNoServer) {
		return err
	}
	return withApp(ctx, env, g, "", true, func(a *app.App) error {
		engine, err := a.StartEngine(ctx)
		if err != nil {
			return err
		}
		return errors.Join(fn(a.Audited(a.Workflows().Service, app.LocalOrigin())), engine.Stop())
	})
}

// remoteOf is a client of the meshflow that owns dir, or app.ErrNoServer.
// It names itself as the CLI, so the server records its changes as the
// CLI's rather than a plain API client's.
func remoteOf(env Env, dir app.DataDir) (*api.Client, error) {
	c, err := dir.Remote()
	if err != nil {
		return nil, err
	}
	c.Name = "cli/" + env.Version
	return c, nil
}

// withDAGs runs fn over the loaded DAG folder without running anything, for
// commands that only look.
func withDAGs(ctx context.Context, env Env, g globals, fn func(*app.App) error) error {
	return withApp(ctx, env, g, "", false, func(a *app.App) error {
		if err := a.Workflows().Load(); err != nil {
			return err
		}
		return fn(a)
	})
}

// paramFlags collects --param k=v and --conf JSON into run parameters.
type paramFlags struct {
	params []string
	conf   string
}

func (p *paramFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringArrayVarP(&p.params, "param", "p", nil, "run parameter NAME=VALUE (repeatable)")
	cmd.Flags().StringVar(&p.conf, "conf", "", `run parameters as a JSON object, e.g. '{"n": 3}'`)
}

func (p *paramFlags) values() (map[string]any, error) {
	out := map[string]any{}
	if p.conf != "" {
		if err := json.Unmarshal([]byte(p.conf), &out); err != nil {
			return nil, fmt.Errorf("--conf must be a JSON object such as '{\"n\": 3}': %w", err)
		}
	}
	given := map[string]any{}
	for _, kv := range p.params {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--param %q: write NAME=VALUE", kv)
		}
		given[k] = v
	}
	maps.Copy(out, given)
	return out, nil
}
