package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

func newVM(env Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vm",
		Short: "List, create, start, stop and destroy VMs across every connection",
		Long: `One inventory of the VMs of every connection (see 'meshflow cloud'), kept in the
data dir's database. Actions go to the cloud by the VM's id; a VM is named by
its name (refused when two share it), its cloud id, or CONNECTION/ID. While
meshflow is running on the same data dir, commands act through it, so that
what it shows stays right; otherwise they act on the data dir directly. Every
change is in the audit log and in the VM's history ('meshflow vm info').`,
	}
	cmd.AddCommand(newVMList(env, g), newVMRefresh(env, g), newVMInfo(env, g), newVMIP(env, g), newVMCreate(env, g))
	for _, a := range cloud.Actions {
		cmd.AddCommand(newVMAction(env, g, a))
	}
	for _, a := range []cloud.Action{cloud.Resize, cloud.ConfirmResize, cloud.RevertResize, cloud.Rebuild, cloud.Rename} {
		cmd.AddCommand(newVMAction(env, g, a))
	}
	cmd.AddCommand(newVMConsole(env, g), newVMLabel(env, g))
	ip := &cobra.Command{Use: "public-ip", Short: "Assign a VM a public address, or release one (EC2 Elastic IP, Azure public IP, OpenStack floating IP)"}
	ip.AddCommand(newVMAction(env, g, cloud.AssignIP), newVMAction(env, g, cloud.ReleaseIP))
	cmd.AddCommand(ip)
	return cmd
}

// actionUse is how a VM action's command is called, what it does, and
// how many arguments it takes: the verbs and resize take VMs, the others
// one VM and, for rename and release, what to change it to.
func actionUse(a cloud.Action) (use, short string, n cobra.PositionalArgs) {
	switch a {
	case cloud.Resize:
		return "resize VM... --flavor FLAVOR", "Move VMs to another flavor; on OpenStack the resize is then confirmed", cobra.MinimumNArgs(1)
	case cloud.ConfirmResize:
		return "confirm-resize VM", "Keep a resize the cloud holds for confirmation (OpenStack)", cobra.ExactArgs(1)
	case cloud.RevertResize:
		return "revert-resize VM", "Undo a resize the cloud holds for confirmation (OpenStack)", cobra.ExactArgs(1)
	case cloud.Rebuild:
		return "rebuild VM --image IMAGE", "Reinstall a VM's disk from another image, keeping its id and addresses", cobra.ExactArgs(1)
	case cloud.Rename:
		return "rename VM NEW-NAME", "Rename a VM where the cloud allows it", cobra.ExactArgs(2)
	case cloud.AssignIP:
		return "assign VM", "Give a VM a public address, billed until released", cobra.ExactArgs(1)
	case cloud.ReleaseIP:
		return "release VM IP", "Take a public address from a VM and give it back to the cloud", cobra.ExactArgs(2)
	}
	return string(a) + " [VM...]", strings.ToUpper(string(a[:1])) + string(a[1:]) + " VMs, named or chosen by --tag, --group or --connection", cobra.ArbitraryArgs
}

// withVMs runs fn with the VMs of the meshflow process that owns the
// data dir, through its API, so that its inventory's cache and the VMs'
// events stay right and it records the changes; or, when none runs, on
// the data dir's inventory, which records them itself.
func withVMs(ctx context.Context, env Env, g globals, fn func(api.VMs) error) error {
	cfg, _, err := load(env, g, "")
	if err != nil {
		return err
	}
	remote, err := remoteOf(env, app.DataDir(cfg.DataDir))
	if err == nil {
		return fn(remote.VMs())
	}
	if !errors.Is(err, app.ErrNoServer) {
		return err
	}
	return withApp(ctx, env, g, "", false, func(a *app.App) error { return fn(a.AuditedVMs(app.LocalOrigin())) })
}

func newVMList(env Env, g *globals) *cobra.Command {
	var f cloud.Filter
	var refresh, asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the VMs meshflow knows, with state, addresses, age and estimated cost",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withVMs(cmd.Context(), env, *g, func(vms api.VMs) error {
				if refresh {
					if _, err := vms.Refresh(cmd.Context()); err != nil {
						return err
					}
				}
				l, err := vms.List(cmd.Context(), f)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), l)
				}
				printVMs(cmd.OutOrStdout(), l.VMs)
				for _, r := range l.Refreshes {
					if r.Error != "" {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: last refresh failed: %s\n", r.Connection, r.Error)
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&f.Connection, "connection", "", "only this connection's VMs")
	cmd.Flags().StringVar(&f.State, "state", "", "only VMs in this state (running, stopped, …)")
	cmd.Flags().StringVar(&f.Tag, "tag", "", "only VMs with this tag, KEY or KEY=VALUE")
	cmd.Flags().StringVar(&f.Text, "text", "", "only VMs with this in their name, id or an address")
	cmd.Flags().BoolVar(&f.Gone, "all", false, "include VMs the clouds no longer list")
	cmd.Flags().BoolVar(&refresh, "refresh", false, "ask every cloud first")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printVMs(w io.Writer, vms []cloud.Listed) {
	if len(vms) == 0 {
		fmt.Fprintln(w, "no VMs: add a cloud with 'meshflow cloud add', then 'meshflow vm list --refresh'")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTION\tNAME\tID\tSTATE\tFLAVOR\tPUBLIC\tPRIVATE\tAGE\tEST. COST\tFORGOTTEN")
	for _, vm := range vms {
		cost := "-"
		if vm.CostPerHour != nil {
			cost = fmt.Sprintf("%g %s/h", *vm.CostPerHour, vm.CostUnit)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", vm.Connection, vm.Name, vm.ID, vm.State, vm.Flavor,
			dash(strings.Join(vm.PublicIPs, ",")), dash(strings.Join(vm.PrivateIPs, ",")),
			(time.Duration(vm.AgeSeconds) * time.Second).Round(time.Minute), cost, yesNo(vm.Forgotten))
	}
	_ = tw.Flush()
}

func newVMRefresh(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "refresh",
		Short: "Ask every active connection's cloud for its VMs now",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withVMs(cmd.Context(), env, *g, func(vms api.VMs) error {
				status, err := vms.Refresh(cmd.Context())
				var failed []string
				for _, s := range status {
					if s.Error != "" {
						failed = append(failed, s.Connection)
						fmt.Fprintf(cmd.OutOrStdout(), "%s: failed: %s\n", s.Connection, s.Error)
					} else {
						fmt.Fprintf(cmd.OutOrStdout(), "%s: %d VMs\n", s.Connection, s.VMs)
					}
				}
				if err == nil && len(failed) > 0 {
					err = fmt.Errorf("%d of %d connections did not answer: %s", len(failed), len(status), strings.Join(failed, ", "))
				}
				return err
			})
		},
	}
}

func newVMInfo(env Env, g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info VM",
		Short: "Everything meshflow knows of a VM, and its history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withVMs(cmd.Context(), env, *g, func(vms api.VMs) error {
				d, err := vms.Detail(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), d)
				}
				w, vm := cmd.OutOrStdout(), d.VM
				fmt.Fprintf(w, "%s (%s %s)\n  id:       %s\n  state:    %s (%s)\n  region:   %s %s\n  flavor:   %s\n  image:    %s\n  public:   %s\n  private:  %s\n",
					vm.Name, vm.Kind, vm.Connection, vm.ID, vm.State, vm.CloudState, vm.Region, vm.Zone, vm.Flavor, vm.Image,
					dash(strings.Join(vm.PublicIPs, ", ")), dash(strings.Join(vm.PrivateIPs, ", ")))
				for _, k := range slices.Sorted(maps.Keys(vm.Tags)) {
					fmt.Fprintf(w, "  tag %s = %s\n", k, vm.Tags[k])
				}
				fmt.Fprintln(w, "history:")
				for _, e := range d.History {
					change := string(e.To)
					if e.From != "" {
						change = string(e.From) + " → " + change
					}
					fmt.Fprintf(w, "  %s  %-8s %-22s %s\n", e.At.Local().Format("2006-01-02 15:04:05"), e.Kind, change, e.Message)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newVMIP(env Env, g *globals) *cobra.Command {
	var private bool
	cmd := &cobra.Command{
		Use:   "ip VM",
		Short: "Print a VM's public addresses (or --private ones), one a line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withVMs(cmd.Context(), env, *g, func(vms api.VMs) error {
				d, err := vms.Detail(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				ips, which := d.VM.PublicIPs, "public"
				if private {
					ips, which = d.VM.PrivateIPs, "private"
				}
				if len(ips) == 0 {
					return model.Errorf(model.ErrNotFound, "VM %s has no %s address", d.VM.Name, which)
				}
				for _, ip := range ips {
					fmt.Fprintln(cmd.OutOrStdout(), ip)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&private, "private", false, "print the private addresses")
	return cmd
}

func newVMAction(env Env, g *globals, a cloud.Action) *cobra.Command {
	var tags []string
	var yes, asJSON, noConfirm bool
	req := cloud.ActRequest{Action: a, Why: "the command line"}
	// Destroy and rebuild cannot be undone: without --yes they only say
	// which VMs they would change.
	undoable := a != cloud.Destroy && a != cloud.Rebuild
	use, short, nargs := actionUse(a)
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  nargs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if req.Tags, err = pairs("--tag", tags); err != nil {
				return err
			}
			req.Refs, req.DryRun, req.Unconfirmed = args, !undoable && !yes, noConfirm
			if a == cloud.Rename || a == cloud.ReleaseIP {
				req.Refs, req.Arg = args[:1], args[1]
			}
			return withVMs(cmd.Context(), env, *g, func(vms api.VMs) error {
				results, err := vms.ActOn(cmd.Context(), req)
				if asJSON {
					return errors.Join(writeJSON(cmd.OutOrStdout(), results), err)
				}
				what := cloud.Change{Action: a, Arg: req.Arg}.String()
				w := cmd.OutOrStdout()
				for _, r := range results {
					vm := r.VM
					switch {
					case req.DryRun:
						fmt.Fprintf(w, "would %s %s (%s %s, %s)\n", what, vm.Name, vm.Connection, vm.ID, vm.State)
					case r.Error != "":
						fmt.Fprintf(w, "%s %s: %s\n", what, vm.Name, r.Error)
					case a == cloud.AssignIP:
						fmt.Fprintf(w, "%s %s: asked\n%s's public addresses: %s\n", what, vm.Name, vm.Name, dash(strings.Join(vm.PublicIPs, ", ")))
					case req.Wait:
						fmt.Fprintf(w, "%s %s: asked\n%s is %s (%s), flavor %s\n", what, vm.Name, vm.Name, vm.State, vm.CloudState, vm.Flavor)
					default:
						fmt.Fprintf(w, "%s %s: asked\n", what, vm.Name)
					}
				}
				if err == nil && req.DryRun {
					err = model.Errorf(model.ErrInvalid, "%s cannot be undone: run again with --yes to %s these %d VMs", a, a, len(results))
				}
				return err
			})
		},
	}
	f := cmd.Flags()
	if a.TakesArg() || a == cloud.AssignIP || a == cloud.ConfirmResize || a == cloud.RevertResize {
		f.StringVar(&req.Connection, "connection", "", "the VM's connection, where its name is not enough")
	} else {
		f.StringArrayVar(&tags, "tag", nil, "choose VMs with this tag, KEY=VALUE (repeatable)")
		f.StringVar(&req.Group, "group", "", "choose the VMs of this group")
		f.StringVar(&req.Connection, "connection", "", "only VMs of this connection")
	}
	switch a {
	case cloud.Resize:
		f.StringArrayVar(&tags, "tag", nil, "choose VMs with this tag, KEY=VALUE (repeatable)")
		f.StringVar(&req.Group, "group", "", "choose the VMs of this group")
		f.StringVar(&req.Arg, "flavor", "", "the instance type, size or flavor to move to (required)")
		f.BoolVar(&noConfirm, "no-confirm", false, "leave a resize the cloud holds (OpenStack's VERIFY_RESIZE) to confirm or revert by hand")
		_ = cmd.MarkFlagRequired("flavor")
	case cloud.Rebuild:
		f.StringVar(&req.Arg, "image", "", "the image to reinstall from (required)")
		_ = cmd.MarkFlagRequired("image")
	}
	f.BoolVar(&req.Wait, "wait", false, "wait until each VM is "+string(a.Leads()))
	f.DurationVar(&req.WaitFor, "timeout", 10*time.Minute, "how long --wait waits for each VM")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	if !undoable {
		f.BoolVar(&yes, "yes", false, "go ahead without asking: "+map[cloud.Action]string{
			cloud.Destroy: "the VMs and what meshflow made for them are deleted",
			cloud.Rebuild: "everything on the VM's disk is lost",
		}[a])
	}
	return cmd
}

func newVMConsole(env Env, g *globals) *cobra.Command {
	var n int
	cmd := &cobra.Command{
		Use:   "console VM",
		Short: "Print the end of a VM's console output, where a boot's trouble shows",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if n <= 0 {
				return model.Errorf(model.ErrInvalid, "--bytes %d: ask for a positive number of bytes, e.g. --bytes 65536", n)
			}
			return withVMs(cmd.Context(), env, *g, func(vms api.VMs) error {
				d, err := vms.Detail(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				out, err := vms.Console(cmd.Context(), d.VM.Connection, d.VM.ID, n)
				if err != nil {
					return err
				}
				_, err = io.WriteString(cmd.OutOrStdout(), out)
				return err
			})
		},
	}
	cmd.Flags().IntVar(&n, "bytes", 64<<10, "how much of the end to print")
	return cmd
}

func newVMLabel(env Env, g *globals) *cobra.Command {
	var drop []string
	var group string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "label VM KEY=VALUE... [--rm KEY] [--group G]",
		Short: "Set or remove a VM's labels in meshflow: tags the ops and the filters choose VMs by",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := pairs("label", args[1:])
			if err != nil {
				return err
			}
			return withVMs(cmd.Context(), env, *g, func(vms api.VMs) error {
				d, err := vms.Detail(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				labels := maps.Clone(d.VM.Labels)
				if labels == nil {
					labels = map[string]string{}
				}
				maps.Copy(labels, set)
				for _, k := range drop {
					delete(labels, k)
				}
				if group != "" {
					labels[cloud.GroupTag] = group
				}
				got, err := vms.SetLabels(cmd.Context(), d.VM.Connection, d.VM.ID, labels, "the command line")
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), got)
				}
				for _, k := range slices.Sorted(maps.Keys(got.Labels)) {
					fmt.Fprintf(cmd.OutOrStdout(), "%s=%s\n", k, got.Labels[k])
				}
				if len(got.Labels) == 0 {
					fmt.Fprintf(cmd.OutOrStdout(), "%s has no labels\n", got.Name)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringArrayVar(&drop, "rm", nil, "remove this label (repeatable)")
	cmd.Flags().StringVar(&group, "group", "", "put the VM in this group (label "+cloud.GroupTag+")")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newVMCreate(env Env, g *globals) *cobra.Command {
	var req cloud.CreateRequest
	var tags []string
	var wait string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "create --connection NAME [--count N | --name NAME...]",
		Short: "Create VMs; a retry or a crash never makes one twice",
		Long: `Create VMs on a connection. Unless --name is given, names follow the naming
pattern (Settings, or the connection's default name_pattern; by default
{user}-{prefix}-{counter}); a name the cloud already has is refused. Each
create is on record with its idempotency token before the cloud is asked, so
one cut short is finished, not repeated, when meshflow next starts; the same
--idempotency-key given again answers the VMs made before.

  meshflow vm create --connection lab --count 2 --image ami-0abc --flavor t3.micro --ssh-from 203.0.113.7/32 --wait ssh`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if req.Spec.Tags, err = pairs("--tag", tags); err != nil {
				return err
			}
			until, ok := map[string]cloud.Until{"running": cloud.UntilRunning, "ssh": cloud.UntilSSHReady, "none": ""}[wait]
			if !ok {
				return model.Errorf(model.ErrInvalid, "--wait %q: use running, ssh or none", wait)
			}
			req.Why, req.Wait = "the command line", until
			return withVMs(cmd.Context(), env, *g, func(vms api.VMs) error {
				made, err := vms.Create(cmd.Context(), req)
				if asJSON {
					if made == nil {
						made = []model.VMRecord{}
					}
					return errors.Join(writeJSON(cmd.OutOrStdout(), made), err)
				}
				for _, vm := range made {
					fmt.Fprintf(cmd.OutOrStdout(), "created %s (%s on %s)\n", vm.Name, vm.ID, vm.Connection)
				}
				if err == nil && until != "" {
					for _, vm := range made {
						fmt.Fprintf(cmd.OutOrStdout(), "%s is %s: %s\n", vm.Name, until, dash(strings.Join(vm.PublicIPs, ", ")))
					}
				}
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Connection, "connection", "", "the connection to create them with (required)")
	f.IntVar(&req.Count, "count", 1, "how many")
	f.StringArrayVar(&req.Names, "name", nil, "a VM's name (repeatable), instead of generated ones")
	f.StringVar(&req.Prefix, "prefix", "vm", "the middle of generated names")
	f.StringVar(&req.Spec.Image, "image", "", "image id or name")
	f.StringVar(&req.Spec.Flavor, "flavor", "", "instance type, size or flavor")
	f.StringVar(&req.Spec.KeyName, "key-name", "", "a key pair the cloud knows")
	f.StringVar(&req.Spec.SecurityGroup, "security-group", "", "a security group; default one opening SSH to --ssh-from")
	f.StringVar(&req.Spec.SSHFrom, "ssh-from", "", "the addresses SSH is opened to, as CIDR")
	f.StringVar(&req.Spec.Network, "network", "", "network or subnet")
	f.BoolVar(&req.Spec.PublicIP, "public-ip", false, "give each VM a public address")
	f.BoolVar(&req.Spec.Hibernate, "hibernate", false, "launch them able to hibernate (EC2)")
	f.StringArrayVar(&tags, "tag", nil, "a tag, KEY=VALUE (repeatable)")
	f.StringVar(&wait, "wait", "running", "wait until running, ssh, or none")
	f.DurationVar(&req.WaitFor, "timeout", 10*time.Minute, "how long to wait for each VM")
	f.StringVar(&req.Key, "idempotency-key", "", "name this create for good: run again with the same key, it makes only the VMs still missing")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	_ = cmd.MarkFlagRequired("connection")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
