package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

func newVM(env Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vm",
		Short: "List, create, start, stop and destroy VMs across every connection",
		Long: `One inventory of the VMs of every connection (see 'meshflow cloud'), kept in the
data dir's database. Actions go to the cloud by the VM's id; a VM is named by
its name (refused when two share it), its cloud id, or CONNECTION/ID. Every
change is in the audit log and in the VM's history ('meshflow vm info').`,
	}
	cmd.AddCommand(newVMList(env, g), newVMRefresh(env, g), newVMInfo(env, g), newVMIP(env, g), newVMCreate(env, g))
	for _, a := range cloud.Actions {
		cmd.AddCommand(newVMAction(env, g, a))
	}
	return cmd
}

// withInventory runs fn on the data dir's inventory. The inventory talks
// to the clouds itself and its record is the database's, so this works
// beside a running server as well as without one.
func withInventory(ctx context.Context, env Env, g globals, fn func(*app.App, *cloud.Inventory) error) error {
	return withApp(ctx, env, g, "", false, func(a *app.App) error { return fn(a, a.Inventory()) })
}

func newVMList(env Env, g *globals) *cobra.Command {
	var connection, state string
	var all, refresh, asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the VMs meshflow knows, with state, addresses, age and estimated cost",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withInventory(cmd.Context(), env, *g, func(a *app.App, inv *cloud.Inventory) error {
				if refresh {
					if _, err := inv.Refresh(cmd.Context()); err != nil {
						return err
					}
				}
				vms, err := inv.VMs(cmd.Context(), connection, all)
				if err != nil {
					return err
				}
				var shown []model.VMRecord
				for _, vm := range vms {
					if state == "" || string(vm.State) == state {
						shown = append(shown, vm)
					}
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), shown)
				}
				prices, _ := a.Prices()
				printVMs(cmd.OutOrStdout(), shown, prices, time.Now())
				refreshes, err := inv.Refreshes(cmd.Context())
				for _, r := range refreshes {
					if r.Error != "" {
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: last refresh failed: %s\n", r.Connection, r.Error)
					}
				}
				return err
			})
		},
	}
	cmd.Flags().StringVar(&connection, "connection", "", "only this connection's VMs")
	cmd.Flags().StringVar(&state, "state", "", "only VMs in this state (running, stopped, …)")
	cmd.Flags().BoolVar(&all, "all", false, "include VMs the clouds no longer list")
	cmd.Flags().BoolVar(&refresh, "refresh", false, "ask every cloud first")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func printVMs(w io.Writer, vms []model.VMRecord, prices *cloud.Prices, now time.Time) {
	if len(vms) == 0 {
		fmt.Fprintln(w, "no VMs: add a cloud with 'meshflow cloud add', then 'meshflow vm list --refresh'")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CONNECTION\tNAME\tID\tSTATE\tFLAVOR\tPUBLIC\tPRIVATE\tAGE\tEST. COST")
	for _, vm := range vms {
		cost := "-"
		if p, ok := prices.OfVM(vm.VM); ok {
			cost = fmt.Sprintf("%g %s/h", p.PerHour, p.Unit)
		}
		age := vm.LaunchedAt
		if age.IsZero() {
			age = vm.FirstSeen
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", vm.Connection, vm.Name, vm.ID, vm.State, vm.Flavor,
			dash(strings.Join(vm.PublicIPs, ",")), dash(strings.Join(vm.PrivateIPs, ",")), now.Sub(age).Round(time.Minute), cost)
	}
	_ = tw.Flush()
}

func newVMRefresh(env Env, g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "refresh",
		Short: "Ask every active connection's cloud for its VMs now",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withInventory(cmd.Context(), env, *g, func(a *app.App, inv *cloud.Inventory) error {
				status, err := inv.Refresh(cmd.Context())
				err = errors.Join(err, a.Audit(cmd.Context(), app.LocalOrigin(), model.ActionVMRefresh, model.AuditTarget{Kind: model.TargetVM}, err))
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

// findVM finds the VM arg names: CONNECTION/ID, a cloud id, or a name.
func findVM(ctx context.Context, inv *cloud.Inventory, arg string) (model.VMRecord, error) {
	if conn, id, ok := strings.Cut(arg, "/"); ok && conn != "" && !strings.HasPrefix(arg, "/") {
		if vms, err := inv.Select(ctx, cloud.Selector{Connection: conn, IDs: []string{id}}); err == nil {
			return vms[0], nil
		}
	}
	if vms, err := inv.Select(ctx, cloud.Selector{IDs: []string{arg}}); err == nil {
		return vms[0], nil
	}
	vms, err := inv.Select(ctx, cloud.Selector{Names: []string{arg}})
	if err != nil {
		return model.VMRecord{}, err
	}
	return vms[0], nil
}

func newVMInfo(env Env, g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info VM",
		Short: "Everything meshflow knows of a VM, and its history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withInventory(cmd.Context(), env, *g, func(_ *app.App, inv *cloud.Inventory) error {
				vm, err := findVM(cmd.Context(), inv, args[0])
				if err != nil {
					return err
				}
				history, err := inv.History(cmd.Context(), vm.Connection, vm.ID, 50)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), struct {
						VM      model.VMRecord  `json:"vm"`
						History []model.VMEvent `json:"history"`
					}{vm, history})
				}
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "%s (%s %s)\n  id:       %s\n  state:    %s (%s)\n  region:   %s %s\n  flavor:   %s\n  image:    %s\n  public:   %s\n  private:  %s\n",
					vm.Name, vm.Kind, vm.Connection, vm.ID, vm.State, vm.CloudState, vm.Region, vm.Zone, vm.Flavor, vm.Image,
					dash(strings.Join(vm.PublicIPs, ", ")), dash(strings.Join(vm.PrivateIPs, ", ")))
				for k, v := range vm.Tags {
					fmt.Fprintf(w, "  tag %s = %s\n", k, v)
				}
				fmt.Fprintln(w, "history:")
				for _, e := range history {
					change := string(e.To)
					if e.From != "" {
						change = string(e.From) + " → " + change
					}
					fmt.Fprintf(w, "  %s  %-8s %-22s %s\n", e.At.Format("2006-01-02 15:04:05"), e.Kind, change, e.Message)
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
			return withInventory(cmd.Context(), env, *g, func(_ *app.App, inv *cloud.Inventory) error {
				vm, err := findVM(cmd.Context(), inv, args[0])
				if err != nil {
					return err
				}
				ips := vm.PublicIPs
				if private {
					ips = vm.PrivateIPs
				}
				if len(ips) == 0 {
					return model.Errorf(model.ErrNotFound, "VM %s has no %s address", vm.Name, map[bool]string{true: "private", false: "public"}[private])
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
	var group, connection string
	var yes, wait bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   string(a) + " [VM...]",
		Short: strings.ToUpper(string(a[:1])) + string(a[1:]) + " VMs, named or chosen by --tag, --group or --connection",
		RunE: func(cmd *cobra.Command, args []string) error {
			sel := cloud.Selector{Connection: connection, Group: group}
			var err error
			if sel.Tags, err = pairs("--tag", tags); err != nil {
				return err
			}
			return withInventory(cmd.Context(), env, *g, func(ap *app.App, inv *cloud.Inventory) error {
				var vms []model.VMRecord
				for _, arg := range args {
					vm, err := findVM(cmd.Context(), inv, arg)
					if err != nil {
						return err
					}
					vms = append(vms, vm)
				}
				if len(args) == 0 {
					if vms, err = inv.Select(cmd.Context(), sel); err != nil {
						return err
					}
				}
				if a == cloud.Destroy && !yes {
					for _, vm := range vms {
						fmt.Fprintf(cmd.OutOrStdout(), "would destroy %s (%s %s, %s)\n", vm.Name, vm.Connection, vm.ID, vm.State)
					}
					return model.Errorf(model.ErrInvalid, "destroying cannot be undone: run again with --yes to destroy these %d VMs", len(vms))
				}
				var errs []error
				for _, vm := range vms {
					_, err := inv.Act(cmd.Context(), vm.Connection, vm.ID, a, "the command line")
					ref := vm.Connection + "/" + vm.ID
					errs = append(errs, ap.Audit(cmd.Context(), app.LocalOrigin(), "vm."+string(a), model.AuditTarget{Kind: model.TargetVM, ID: ref}, err))
					if err != nil {
						errs = append(errs, err)
						continue
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s %s: asked\n", a, vm.Name)
					if wait {
						ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
						got, err := inv.Wait(ctx, vm.Connection, vm.ID, a.Leads(), 2*time.Second)
						cancel()
						if err != nil {
							errs = append(errs, err)
							continue
						}
						fmt.Fprintf(cmd.OutOrStdout(), "%s is %s\n", got.Name, got.State)
					}
				}
				return errors.Join(errs...)
			})
		},
	}
	cmd.Flags().StringArrayVar(&tags, "tag", nil, "choose VMs with this tag, KEY=VALUE (repeatable)")
	cmd.Flags().StringVar(&group, "group", "", "choose the VMs of this group")
	cmd.Flags().StringVar(&connection, "connection", "", "only VMs of this connection")
	cmd.Flags().BoolVar(&wait, "wait", false, "wait until each VM is "+string(a.Leads()))
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Minute, "how long --wait waits for each VM")
	if a == cloud.Destroy {
		cmd.Flags().BoolVar(&yes, "yes", false, "destroy without asking: the VMs and what meshflow made for them are deleted")
	}
	return cmd
}

func newVMCreate(env Env, g *globals) *cobra.Command {
	var req cloud.CreateRequest
	var tags []string
	var wait string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "create --connection NAME [--count N | --name NAME...]",
		Short: "Create VMs; a retry or a crash never makes one twice",
		Long: `Create VMs on a connection. Names are generated as {user}-{prefix}-{n} unless
--name is given; a name the cloud already has is refused. Each create is on
record with its idempotency token before the cloud is asked, so one cut short
is finished, not repeated, when meshflow next starts.

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
			req.Why = "the command line"
			return withInventory(cmd.Context(), env, *g, func(a *app.App, inv *cloud.Inventory) error {
				made, err := inv.Create(cmd.Context(), req)
				for _, vm := range made {
					fmt.Fprintf(cmd.OutOrStdout(), "created %s (%s on %s)\n", vm.Name, vm.ID, vm.Connection)
				}
				if aerr := a.Audit(cmd.Context(), app.LocalOrigin(), model.ActionVMCreate, model.AuditTarget{Kind: model.TargetVM, ID: req.Connection}, err); aerr != nil {
					err = errors.Join(err, aerr)
				}
				if err != nil || until == "" {
					return err
				}
				for _, vm := range made {
					ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
					got, err := inv.Wait(ctx, vm.Connection, vm.ID, until, 2*time.Second)
					cancel()
					if err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s is %s: %s\n", got.Name, until, dash(strings.Join(got.PublicIPs, ", ")))
				}
				return nil
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
	f.DurationVar(&timeout, "timeout", 10*time.Minute, "how long to wait for each VM")
	_ = cmd.MarkFlagRequired("connection")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
