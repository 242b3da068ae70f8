package ops

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// VMs is what the vm.* ops need of the inventory; *cloud.Inventory is one.
type VMs interface {
	Create(ctx context.Context, req cloud.CreateRequest) ([]model.VMRecord, error)
	Select(ctx context.Context, s cloud.Selector) ([]model.VMRecord, error)
	VMs(ctx context.Context, connection string, withGone bool) ([]model.VMRecord, error)
	Act(ctx context.Context, connection, id string, a cloud.Action, why string) (model.VMRecord, error)
	Wait(ctx context.Context, connection, id string, until cloud.Until, every time.Duration) (model.VMRecord, error)
	// Use records that the task's run uses a VM, so it is not called
	// forgotten while the run is active.
	Use(ctx context.Context, connection, id string, runID int64) error
}

// use records that t's run uses vms; a failure to record is logged, not
// fatal: the VMs are there either way.
func use(ctx context.Context, v VMs, t *Task, vms []model.VMRecord) {
	for _, vm := range vms {
		if err := v.Use(ctx, vm.Connection, vm.ID, t.RunID); err != nil {
			fmt.Fprintf(t.ErrOut(), "could not record that this run uses %s: %v\n", vm.Name, err)
		}
	}
}

// The vm.* ops' outputs: lists are space-separated, which a shell loop
// reads as it is (for ip in {{ .tasks.boot.outputs.public_ips }}), and the
// first VM's values stand alone for the common case of one VM.
var vmOutputs = []string{"ids", "names", "public_ips", "private_ips", "count", "id", "name", "public_ip", "private_ip"}

// selectorArgs choose VMs, for every op but vm.create.
var selectorArgs = []dag.ArgSpec{
	{Name: "connection", Type: dag.ArgString, Description: "Only VMs of this connection."},
	{Name: "names", Type: dag.ArgList, Description: "VMs by name; a name two VMs share is refused."},
	{Name: "ids", Type: dag.ArgList, Description: "VMs by cloud id."},
	{Name: "tags", Type: dag.ArgMap, Description: "VMs that have every one of these tags."},
	{Name: "group", Type: dag.ArgString, Description: "VMs of this group (tag " + cloud.GroupTag + ")."},
}

var waitArgs = []dag.ArgSpec{
	{Name: "timeout", Type: dag.ArgDuration, Description: "How long to wait; default 10m."},
	{Name: "poll", Type: dag.ArgDuration, Description: "How often to ask the cloud; default 5s."},
}

const defaultVMTimeout = 10 * time.Minute

// VMCreate creates VMs and, by default, waits until they run.
type VMCreate struct{ VMs VMs }

var _ Op = VMCreate{}

func (VMCreate) Spec() dag.OpSpec {
	args := []dag.ArgSpec{
		{Name: "connection", Type: dag.ArgString, Required: true, Description: "The connection to create them with."},
		{Name: "count", Type: dag.ArgInt, Description: "How many; default 1. Names are generated as {user}-{prefix}-{n}."},
		{Name: "names", Type: dag.ArgList, Description: "Their names, instead of count and prefix."},
		{Name: "prefix", Type: dag.ArgString, Description: "The middle of generated names; default vm."},
		{Name: "image", Type: dag.ArgString, Description: "Image id or name; default the connection's."},
		{Name: "flavor", Type: dag.ArgString, Description: "Instance type, size or flavor; default the connection's."},
		{Name: "key_name", Type: dag.ArgString, Description: "A key pair the cloud knows."},
		{Name: "public_key", Type: dag.ArgString, Description: "Or an OpenSSH public key."},
		{Name: "username", Type: dag.ArgString, Description: "The admin user, where the cloud asks for one."},
		{Name: "security_group", Type: dag.ArgString, Description: "A security group; default one that opens SSH to ssh_from."},
		{Name: "ssh_from", Type: dag.ArgString, Description: "The addresses SSH is opened to, as CIDR."},
		{Name: "network", Type: dag.ArgString, Description: "Network or subnet."},
		{Name: "zone", Type: dag.ArgString, Description: "Availability zone."},
		{Name: "public_ip", Type: dag.ArgBool, Description: "Give each a public address."},
		{Name: "hibernate", Type: dag.ArgBool, Description: "Launch them able to hibernate, so vm.suspend works on EC2."},
		{Name: "user_data", Type: dag.ArgString, Description: "cloud-init user data."},
		{Name: "tags", Type: dag.ArgMap, Description: "Tags to set."},
		{Name: "group", Type: dag.ArgString, Description: "Put them in this group."},
		{Name: "wait", Type: dag.ArgString, Description: "running (default), ssh, or none."},
	}
	return dag.OpSpec{
		Name: "vm.create", InProcess: true,
		Description: "Creates VMs on a connection and waits until they run (or answer SSH). A retry never makes a VM twice.",
		Args:        append(args, waitArgs...), Outputs: vmOutputs,
	}
}

func (o VMCreate) Run(ctx context.Context, t *Task) (map[string]string, error) {
	var req cloud.CreateRequest
	var err error
	str := func(name string) string {
		v, e := argString(t.Args, name)
		if e != nil && err == nil {
			err = e
		}
		return v
	}
	req.Connection, req.Prefix = str("connection"), str("prefix")
	req.Spec = cloud.CreateSpec{
		Image: str("image"), Flavor: str("flavor"), KeyName: str("key_name"), PublicKey: str("public_key"),
		Username: str("username"), SecurityGroup: str("security_group"), SSHFrom: str("ssh_from"),
		Network: str("network"), Zone: str("zone"), UserData: str("user_data"),
	}
	group, wait := str("group"), str("wait")
	if err != nil {
		return nil, err
	}
	if req.Count, err = argInt(t.Args, "count", 1); err != nil {
		return nil, err
	}
	if req.Names, err = argList(t.Args, "names"); err != nil {
		return nil, err
	}
	if req.Spec.PublicIP, err = argBool(t.Args, "public_ip"); err != nil {
		return nil, err
	}
	if req.Spec.Hibernate, err = argBool(t.Args, "hibernate"); err != nil {
		return nil, err
	}
	if req.Spec.Tags, err = argStringMap(t.Args, "tags"); err != nil {
		return nil, err
	}
	if group != "" {
		if req.Spec.Tags == nil {
			req.Spec.Tags = map[string]string{}
		}
		req.Spec.Tags[cloud.GroupTag] = group
	}
	until, err := untilArg(wait, "running")
	if err != nil {
		return nil, err
	}
	for name, v := range t.Args {
		if holdsSecret(t.Secrets, v) {
			return nil, fmt.Errorf("vm.create: with.%s holds a secret, and what a VM is created with is kept in the clear, "+
				"by the cloud and in meshflow's record of the create: copy the secret to the VM over SSH once it runs", name)
		}
	}
	req.Why = whyOf(t)
	// The task's next try, after a crash or a partial failure, finds the
	// VMs this one made.
	req.Key = "dag " + t.DAG + " run " + strconv.FormatInt(t.RunID, 10) + " task " + t.TaskID
	vms, err := o.VMs.Create(ctx, req)
	use(ctx, o.VMs, t, vms)
	for _, vm := range vms {
		fmt.Fprintf(t.Log, "created %s (%s) on %s\n", vm.Name, vm.ID, vm.Connection)
	}
	if err != nil {
		return nil, fmt.Errorf("vm.create: %w", err)
	}
	if until != "" {
		if vms, err = waitAll(ctx, o.VMs, t, vms, until); err != nil {
			return nil, err
		}
	}
	return vmOutputsOf(vms), nil
}

// VMAction acts on the VMs a selector picks: vm.start, vm.stop,
// vm.suspend, vm.resume, vm.reboot, vm.destroy.
type VMAction struct {
	Action cloud.Action
	VMs    VMs
}

var _ Op = VMAction{}

func (o VMAction) Spec() dag.OpSpec {
	args := append([]dag.ArgSpec{}, selectorArgs...)
	args = append(args, dag.ArgSpec{Name: "wait", Type: dag.ArgBool, Description: "Wait until every VM is " + string(o.Action.Leads()) + "."})
	return dag.OpSpec{
		Name: "vm." + string(o.Action), InProcess: true,
		Description: "Asks the cloud to " + string(o.Action) + " the VMs chosen by names, ids, tags or group.",
		Args:        append(args, waitArgs...), Outputs: vmOutputs,
	}
}

func (o VMAction) Run(ctx context.Context, t *Task) (map[string]string, error) {
	sel, err := selectorOf(t.Args)
	if err != nil {
		return nil, err
	}
	wait, err := argBool(t.Args, "wait")
	if err != nil {
		return nil, err
	}
	vms, err := o.VMs.Select(ctx, sel)
	if err != nil {
		return nil, fmt.Errorf("vm.%s: %w", o.Action, err)
	}
	use(ctx, o.VMs, t, vms)
	err = each(t, string(o.Action), vms, func(vm model.VMRecord) (model.VMRecord, error) {
		return o.VMs.Act(ctx, vm.Connection, vm.ID, o.Action, whyOf(t))
	})
	if err != nil {
		return nil, err
	}
	if wait {
		if vms, err = waitAll(ctx, o.VMs, t, vms, o.Action.Leads()); err != nil {
			return nil, err
		}
	}
	return vmOutputsOf(vms), nil
}

// Resizer moves a VM to another flavor, confirming it where the cloud
// asks; *cloud.Inventory is one.
type Resizer interface {
	Resize(ctx context.Context, r cloud.ResizeRequest) (model.VMRecord, error)
}

// VMResize moves the VMs a selector picks to another flavor.
type VMResize struct {
	VMs     VMs
	Resizer Resizer
}

var _ Op = VMResize{}

func (VMResize) Spec() dag.OpSpec {
	args := append([]dag.ArgSpec{}, selectorArgs...)
	args = append(args,
		dag.ArgSpec{Name: "flavor", Type: dag.ArgString, Required: true, Description: "The instance type, size or flavor to move to."},
		dag.ArgSpec{Name: "confirm", Type: dag.ArgBool, Description: "Where the cloud asks (OpenStack), confirm the resize; default true. False leaves it to confirm or revert by hand."},
		dag.ArgSpec{Name: "wait", Type: dag.ArgBool, Description: "Wait until the resize is done: running again, or stopped as EC2 leaves it."},
	)
	return dag.OpSpec{
		Name: "vm.resize", InProcess: true,
		Description: "Moves the VMs chosen by names, ids, tags or group to another flavor. EC2 resizes only stopped VMs.",
		Args:        append(args, waitArgs...), Outputs: vmOutputs,
	}
}

func (o VMResize) Run(ctx context.Context, t *Task) (map[string]string, error) {
	sel, err := selectorOf(t.Args)
	if err != nil {
		return nil, err
	}
	flavor, err := argString(t.Args, "flavor")
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(flavor) == "" {
		return nil, fmt.Errorf("vm.resize: with.flavor is empty: name the instance type, size or flavor to move the VMs to")
	}
	r := cloud.ResizeRequest{Flavor: flavor, Why: whyOf(t)}
	confirm, err := argBoolOr(t.Args, "confirm", true)
	if err != nil {
		return nil, err
	}
	r.Unconfirmed = !confirm
	if r.Wait, err = argBool(t.Args, "wait"); err != nil {
		return nil, err
	}
	if r.WaitFor, err = argDuration(t.Args, "timeout"); err != nil {
		return nil, err
	}
	if r.Poll, err = argDuration(t.Args, "poll"); err != nil {
		return nil, err
	}
	vms, err := o.VMs.Select(ctx, sel)
	if err != nil {
		return nil, fmt.Errorf("vm.resize: %w", err)
	}
	use(ctx, o.VMs, t, vms)
	err = each(t, "resize", vms, func(vm model.VMRecord) (model.VMRecord, error) {
		r.Connection, r.ID = vm.Connection, vm.ID
		return o.Resizer.Resize(ctx, r)
	})
	if err != nil {
		return nil, err
	}
	return vmOutputsOf(vms), nil
}

// VMWait waits until the VMs a selector picks are in a state, or answer
// SSH.
type VMWait struct{ VMs VMs }

var _ Op = VMWait{}

func (VMWait) Spec() dag.OpSpec {
	args := append([]dag.ArgSpec{}, selectorArgs...)
	args = append(args, dag.ArgSpec{Name: "until", Type: dag.ArgString, Description: "running (default), stopped, deleted or ssh."})
	return dag.OpSpec{
		Name: "vm.wait", InProcess: true,
		Description: "Waits until the VMs chosen are running, stopped, deleted, or answer SSH.",
		Args:        append(args, waitArgs...), Outputs: vmOutputs,
	}
}

func (o VMWait) Run(ctx context.Context, t *Task) (map[string]string, error) {
	sel, err := selectorOf(t.Args)
	if err != nil {
		return nil, err
	}
	u, err := argString(t.Args, "until")
	if err != nil {
		return nil, err
	}
	until, err := untilArg(u, "running")
	if err != nil {
		return nil, err
	}
	if until == "" {
		return nil, fmt.Errorf("with.until: none is not something to wait for: use running, stopped, deleted or ssh")
	}
	vms, err := o.VMs.Select(ctx, sel)
	if err != nil {
		return nil, fmt.Errorf("vm.wait: %w", err)
	}
	use(ctx, o.VMs, t, vms)
	if vms, err = waitAll(ctx, o.VMs, t, vms, until); err != nil {
		return nil, err
	}
	return vmOutputsOf(vms), nil
}

// Guard tells which VMs are forgotten; *cloud.Inventory is one, and its
// own Busy.
type Guard interface {
	ForgottenAmong(ctx context.Context, vms []model.VMRecord, after time.Duration, prices *cloud.Prices, busy cloud.Busy) ([]cloud.Forgotten, error)
	cloud.Busy
}

// VMList lists the VMs a selector picks (every VM with none), optionally
// in one state or only the forgotten ones.
type VMList struct {
	VMs   VMs
	Guard Guard
}

var _ Op = VMList{}

func (VMList) Spec() dag.OpSpec {
	args := append([]dag.ArgSpec{}, selectorArgs...)
	args = append(args,
		dag.ArgSpec{Name: "state", Type: dag.ArgString, Description: "Only VMs in this state: running, stopped, …"},
		dag.ArgSpec{Name: "billed", Type: dag.ArgBool, Description: "Only VMs whose compute is billed: running, or stopped and billed still, as on Azure until deallocated (vm.suspend)."},
		dag.ArgSpec{Name: "forgotten", Type: dag.ArgBool, Description: "Only forgotten VMs: billed for long, no active run using them, no " + cloud.KeepTag + "=true tag."},
		dag.ArgSpec{Name: "forgotten_after", Type: dag.ArgDuration, Description: "How long billed before forgotten; default 12h, as on the Overview."},
	)
	return dag.OpSpec{
		Name: "vm.list", InProcess: true,
		Description: "Lists VMs from the inventory, by connection, names, ids, tags, group, state, billing, or the forgotten ones.",
		Args:        args, Outputs: vmOutputs,
	}
}

func (o VMList) Run(ctx context.Context, t *Task) (map[string]string, error) {
	sel, err := selectorOf(t.Args)
	if err != nil {
		return nil, err
	}
	state, err := argString(t.Args, "state")
	if err != nil {
		return nil, err
	}
	billed, err := argBool(t.Args, "billed")
	if err != nil {
		return nil, err
	}
	var vms []model.VMRecord
	if len(sel.Names)+len(sel.IDs)+len(sel.Tags) == 0 && sel.Group == "" {
		vms, err = o.VMs.VMs(ctx, sel.Connection, false)
	} else {
		vms, err = o.VMs.Select(ctx, sel)
	}
	if err != nil {
		return nil, fmt.Errorf("vm.list: %w", err)
	}
	if vms, err = o.forgotten(ctx, t.Args, vms); err != nil {
		return nil, fmt.Errorf("vm.list: %w", err)
	}
	var out []model.VMRecord
	for _, vm := range vms {
		if (state == "" || string(vm.State) == state) && (!billed || vm.Billed()) {
			out = append(out, vm)
			fmt.Fprintf(t.Log, "%s\t%s\t%s\t%s\t%s\n", vm.Connection, vm.Name, vm.ID, vm.State, strings.Join(vm.PublicIPs, ","))
		}
	}
	return vmOutputsOf(out), nil
}

// forgotten keeps the forgotten VMs among vms when with.forgotten asks.
func (o VMList) forgotten(ctx context.Context, args map[string]any, vms []model.VMRecord) ([]model.VMRecord, error) {
	only, err := argBool(args, "forgotten")
	if err != nil || !only {
		return vms, err
	}
	after, err := argDuration(args, "forgotten_after")
	if err != nil {
		return nil, err
	}
	if after <= 0 {
		after = cloud.ForgottenAfter
	}
	found, err := o.Guard.ForgottenAmong(ctx, vms, after, nil, o.Guard)
	if err != nil {
		return nil, err
	}
	out := make([]model.VMRecord, len(found))
	for i, f := range found {
		out[i] = f.VM
	}
	return out, nil
}

// each does verb to every VM in turn with do, logging how each went and
// keeping what the cloud says of it in vms; one refusal does not stop the
// others, and the error names every VM refused.
func each(t *Task, verb string, vms []model.VMRecord, do func(model.VMRecord) (model.VMRecord, error)) error {
	var failed []string
	for i, vm := range vms {
		got, err := do(vm)
		if err != nil {
			fmt.Fprintf(t.ErrOut(), "%s %s (%s): %v\n", verb, vm.Name, vm.ID, err)
			failed = append(failed, vm.Name)
			continue
		}
		vms[i] = got
		fmt.Fprintf(t.Log, "%s %s (%s): accepted, now %s (%s), flavor %s\n", verb, vm.Name, vm.ID, got.State, got.CloudState, got.Flavor)
	}
	if len(failed) > 0 {
		return fmt.Errorf("vm.%s: %d of %d VMs refused: %s (see the log)", verb, len(failed), len(vms), strings.Join(failed, ", "))
	}
	return nil
}

// waitAll waits for every VM in turn, within the task's timeout.
func waitAll(ctx context.Context, v VMs, t *Task, vms []model.VMRecord, until cloud.Until) ([]model.VMRecord, error) {
	timeout, err := argDuration(t.Args, "timeout")
	if err != nil {
		return nil, err
	}
	poll, err := argDuration(t.Args, "poll")
	if err != nil {
		return nil, err
	}
	if timeout <= 0 {
		timeout = defaultVMTimeout
	}
	if poll <= 0 {
		poll = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for i, vm := range vms {
		got, err := v.Wait(ctx, vm.Connection, vm.ID, until, poll)
		if err != nil {
			return nil, fmt.Errorf("wait for %s to be %s: %w", vm.Name, until, err)
		}
		vms[i] = got
		fmt.Fprintf(t.Log, "%s is %s\n", got.Name, until)
	}
	return vms, nil
}

func selectorOf(args map[string]any) (cloud.Selector, error) {
	var s cloud.Selector
	var err error
	if s.Connection, err = argString(args, "connection"); err != nil {
		return s, err
	}
	if s.Names, err = argList(args, "names"); err != nil {
		return s, err
	}
	if s.IDs, err = argList(args, "ids"); err != nil {
		return s, err
	}
	if s.Tags, err = argStringMap(args, "tags"); err != nil {
		return s, err
	}
	s.Group, err = argString(args, "group")
	return s, err
}

func untilArg(v, def string) (cloud.Until, error) {
	switch v {
	case "":
		return cloud.Until(def), nil
	case "none":
		return "", nil
	case "running", "stopped", "deleted", "ssh":
		return cloud.Until(v), nil
	}
	return "", fmt.Errorf("with.wait/until: %q is not running, stopped, deleted, ssh or none", v)
}

// whyOf says which task asked, for the VMs' history.
func whyOf(t *Task) string {
	return "run " + strconv.FormatInt(t.RunID, 10) + " of " + t.DAG + ", task " + t.TaskID
}

func vmOutputsOf(vms []model.VMRecord) map[string]string {
	var ids, names, pub, priv []string
	for _, vm := range vms {
		ids, names = append(ids, vm.ID), append(names, vm.Name)
		pub, priv = append(pub, vm.PublicIPs...), append(priv, vm.PrivateIPs...)
	}
	first := func(xs []string) string {
		if len(xs) == 0 {
			return ""
		}
		return xs[0]
	}
	return map[string]string{
		"ids": strings.Join(ids, " "), "names": strings.Join(names, " "),
		"public_ips": strings.Join(pub, " "), "private_ips": strings.Join(priv, " "),
		"count": strconv.Itoa(len(vms)),
		"id":    first(ids), "name": first(names), "public_ip": first(pub), "private_ip": first(priv),
	}
}

// holdsSecret reports whether v, or any value inside it, holds a secret.
func holdsSecret(m *tasklog.Masker, v any) bool {
	switch v := v.(type) {
	case string:
		return m.Contains(v)
	case map[string]any:
		for _, x := range v {
			if holdsSecret(m, x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if holdsSecret(m, x) {
				return true
			}
		}
	}
	return false
}
