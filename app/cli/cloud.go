package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/model"
)

func newCloud(env Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cloud",
		Short: "Manage cloud connections: AWS, Azure, OpenStack and SSH hosts",
		Long: `A connection is a named set of credentials and settings for one cloud, or a
list of SSH hosts. Its secrets are sealed with the data dir's master key (in
the OS keyring or the key file; 'meshflow cloud list' says which) and never
shown again. While meshflow is running on the same data dir, commands act
through it; otherwise they act on the data dir directly.`,
	}
	cmd.AddCommand(newCloudAdd(env, g), newCloudImport(env, g), newCloudList(env, g), newCloudRm(env, g), newCloudTest(env, g))
	return cmd
}

func newCloudAdd(env Env, g *globals) *cobra.Command {
	var sets, secrets, defaults, hosts []string
	cmd := &cobra.Command{
		Use:   "add KIND NAME",
		Short: "Add a connection; secrets are read from stdin or asked for, never taken from the command line",
		Long: `Add a connection of KIND (aws, azure, openstack, hosts) named NAME.

  meshflow cloud add aws lab --set region=us-east-1 --set access_key_id=AKIA… --secret secret_access_key
  meshflow cloud add aws lab --set region=us-east-1 --set profile=lab
  meshflow cloud add openstack chameleon --set auth_url=https://kvm.tacc.chameleoncloud.org:5000/v3 \
      --set username=ann --set project_name=CH-000 --set user_domain_name=Default --secret password
  meshflow cloud add hosts lab-boxes --host box1=ann@10.0.0.5 --host box2=ann@10.0.0.6:2222

Each --secret KEY is asked for at a terminal without echo; from a pipe, one
--secret reads all of stdin (a private key) and several read one line each.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := model.Connection{Kind: model.CloudKind(args[0]), Name: args[1], Active: true}
			var err error
			if c.Settings, err = pairs("--set", sets); err != nil {
				return err
			}
			if c.Defaults, err = pairs("--default", defaults); err != nil {
				return err
			}
			for _, h := range hosts {
				host, err := parseHost(h)
				if err != nil {
					return err
				}
				c.Hosts = append(c.Hosts, host)
			}
			if c.Secrets, err = readSecrets(cmd, secrets); err != nil {
				return err
			}
			return withConnections(cmd.Context(), env, *g, func(conns api.Connections, record recorder) error {
				_, err := conns.Add(cmd.Context(), c)
				if err := errors.Join(err, record(model.ActionConnectionAdd, c.Name, err)); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s connection %s added; check it with 'meshflow cloud test %s'\n", c.Kind, c.Name, c.Name)
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&sets, "set", nil, "a setting, KEY=VALUE (repeatable)")
	cmd.Flags().StringArrayVar(&secrets, "secret", nil, "the KEY of a secret to read from stdin or a prompt (repeatable)")
	cmd.Flags().StringArrayVar(&defaults, "default", nil, "a VM default, KEY=VALUE: image, flavor, username, key_name, security_group, network")
	cmd.Flags().StringArrayVar(&hosts, "host", nil, "an SSH host, NAME=USER@ADDRESS[:PORT] (hosts connections; repeatable)")
	return cmd
}

func pairs(flag string, kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %s: give KEY=VALUE", flag, model.Quote(kv))
		}
		out[k] = v
	}
	return out, nil
}

func parseHost(s string) (model.SSHHost, error) {
	name, rest, ok := strings.Cut(s, "=")
	user, addr, okUser := strings.Cut(rest, "@")
	if !ok || !okUser || name == "" || user == "" {
		return model.SSHHost{}, fmt.Errorf("--host %s: give NAME=USER@ADDRESS[:PORT], e.g. box1=ann@10.0.0.5", model.Quote(s))
	}
	h := model.SSHHost{Name: name, User: user, Address: addr}
	if i := strings.LastIndex(addr, ":"); i > 0 && !strings.Contains(addr[:i], ":") {
		port, err := strconv.Atoi(addr[i+1:])
		if err != nil {
			return h, fmt.Errorf("--host %s: the port %s is not a number", model.Quote(s), model.Quote(addr[i+1:]))
		}
		h.Address, h.Port = addr[:i], port
	}
	return h, nil
}

// readSecrets reads each secret named by --secret: asked for at a
// terminal; from a pipe, all of stdin for one, a line each for several.
func readSecrets(cmd *cobra.Command, keys []string) (map[string]string, error) {
	out := map[string]string{}
	if len(keys) == 0 {
		return out, nil
	}
	if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		for _, k := range keys {
			v, err := askSecret(cmd.Context(), cmd.ErrOrStderr(), f, k)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	}
	if len(keys) == 1 {
		v, err := readValue(cmd, keys[0], false)
		out[keys[0]] = v
		return out, err
	}
	b, err := readAll(cmd.Context(), io.LimitReader(cmd.InOrStdin(), maxVarSize))
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for _, k := range keys {
		if !sc.Scan() {
			return nil, fmt.Errorf("stdin has fewer lines than --secret flags: the value of %s is missing", k)
		}
		out[k] = strings.TrimRight(sc.Text(), "\r")
	}
	return out, nil
}

func newCloudList(env Env, g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "list", Short: "List connections and where the master key is; secrets show as set, never their values", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withConnections(cmd.Context(), env, *g, func(svc api.Connections, _ recorder) error {
				list, err := svc.List(cmd.Context())
				if err != nil {
					return err
				}
				out := api.ConnectionList{KeySource: svc.KeySource(cmd.Context()), Connections: list}
				if asJSON {
					if out.Connections == nil {
						out.Connections = []connections.Info{}
					}
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(out)
				}
				return printConnections(cmd.OutOrStdout(), out)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printConnections(w io.Writer, l api.ConnectionList) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tWHERE\tACTIVE\tSECRETS SET\tSOURCE")
	for _, c := range l.Connections {
		secrets := strings.Join(c.SecretsSet, ",")
		if secrets == "" {
			secrets = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Kind, connections.Where(c), yesNo(c.Active), secrets, c.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "master key: %s\n", l.KeySource)
	return err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func newCloudRm(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "rm NAME", Short: "Remove a connection and its sealed secrets", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withConnections(cmd.Context(), env, *g, func(conns api.Connections, record recorder) error {
				err := conns.Delete(cmd.Context(), args[0])
				if err := errors.Join(err, record(model.ActionConnectionDelete, args[0], err)); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "removed connection %s\n", args[0])
				return nil
			})
		},
	}
}

func newCloudTest(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "test NAME", Short: "Check a connection's credentials and print who they authenticate as", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withConnections(cmd.Context(), env, *g, func(conns api.Connections, record recorder) error {
				id, err := conns.Test(cmd.Context(), args[0])
				if err := errors.Join(err, record(model.ActionConnectionTest, args[0], err)); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: authenticated as %s\n", args[0], id)
				return nil
			})
		},
	}
}

// recorder puts a change to a connection in the audit log, by name.
type recorder func(action, name string, err error) error

// withConnections runs fn with the connections of the meshflow process
// that owns the data dir, through its API, which records the changes; or,
// when none runs, on the data dir, with record writing the audit log.
func withConnections(ctx context.Context, env Env, g globals, fn func(api.Connections, recorder) error) error {
	cfg, _, err := load(env, g, "")
	if err != nil {
		return err
	}
	remote, err := remoteOf(env, app.DataDir(cfg.DataDir))
	if err == nil {
		return fn(remote.Connections(), func(string, string, error) error { return nil })
	}
	if !errors.Is(err, app.ErrNoServer) {
		return err
	}
	return withApp(ctx, env, g, "", false, func(a *app.App) error {
		return fn(a.Connections(), func(action, name string, err error) error {
			return a.Audit(ctx, app.LocalOrigin(), action, model.ConnectionTarget(name), err)
		})
	})
}
