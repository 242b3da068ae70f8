package cloud

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// GroupTag is the tag a VM's group is kept in: ops and bulk actions select
// a group by it.
const GroupTag = "meshflow-group"

// Selector picks VMs from the inventory. Each non-empty field narrows the
// choice; Names and IDs pick those VMs, Tags those with every tag given.
type Selector struct {
	Connection string            `json:"connection,omitempty"`
	Names      []string          `json:"names,omitempty"`
	IDs        []string          `json:"ids,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
	Group      string            `json:"group,omitempty"`
	// Refs are VMs as people write them: CONNECTION/ID, a cloud id, or
	// a name.
	Refs []string `json:"refs,omitempty"`
}

func (s Selector) String() string {
	var parts []string
	if s.Connection != "" {
		parts = append(parts, "connection "+s.Connection)
	}
	if len(s.Names) > 0 {
		parts = append(parts, "names "+strings.Join(s.Names, ", "))
	}
	if len(s.IDs) > 0 {
		parts = append(parts, "ids "+strings.Join(s.IDs, ", "))
	}
	if len(s.Refs) > 0 {
		parts = append(parts, "VMs "+strings.Join(s.Refs, ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(s.Tags)) {
		parts = append(parts, "tag "+k+"="+s.Tags[k])
	}
	if s.Group != "" {
		parts = append(parts, "group "+s.Group)
	}
	if len(parts) == 0 {
		return "every VM"
	}
	return strings.Join(parts, ", ")
}

// Select returns the live VMs s picks. It refuses a selector that names
// nothing (which would pick every VM of every connection), a name or id
// that matches no VM, and a name two VMs share: acting on the wrong one
// of two is worse than asking for its id.
func (inv *Inventory) Select(ctx context.Context, s Selector) ([]model.VMRecord, error) {
	picked := len(s.Names) > 0 || len(s.IDs) > 0 || len(s.Refs) > 0
	if s.Connection == "" && !picked && len(s.Tags) == 0 && s.Group == "" {
		return nil, model.Errorf(model.ErrInvalid, "no VMs chosen: give names, ids, tags, a group or a connection")
	}
	vms, err := inv.VMs(ctx, s.Connection, false)
	if err != nil {
		return nil, err
	}
	vms = slices.DeleteFunc(vms, func(v model.VMRecord) bool { return v.State == model.VMDeleted })
	var out []model.VMRecord
	for _, id := range s.IDs {
		i := slices.IndexFunc(vms, func(v model.VMRecord) bool { return v.ID == id })
		if i < 0 {
			return nil, model.Errorf(model.ErrNotFound, "no VM has id %s (%s): refresh the inventory, or check the id", id, s)
		}
		out = append(out, vms[i])
	}
	for _, name := range s.Names {
		vm, err := named(vms, name, s)
		if err != nil {
			return nil, err
		}
		out = append(out, vm)
	}
	for _, ref := range s.Refs {
		vm, err := referred(vms, ref, s)
		if err != nil {
			return nil, err
		}
		out = append(out, vm)
	}
	if !picked {
		out = vms
	}
	out = slices.DeleteFunc(out, func(v model.VMRecord) bool {
		for k, want := range s.Tags {
			if v.Tags[k] != want {
				return true
			}
		}
		return s.Group != "" && v.Tags[GroupTag] != s.Group
	})
	if len(out) == 0 {
		return nil, model.Errorf(model.ErrNotFound, "no VM matches %s", s)
	}
	return out, nil
}

// named is the one VM of vms named name; two of that name are refused.
func named(vms []model.VMRecord, name string, s Selector) (model.VMRecord, error) {
	var same []model.VMRecord
	for _, v := range vms {
		if v.Name == name {
			same = append(same, v)
		}
	}
	switch len(same) {
	case 0:
		return model.VMRecord{}, model.Errorf(model.ErrNotFound, "no VM is named %s (%s)", name, s)
	case 1:
		return same[0], nil
	}
	var ids []string
	for _, v := range same {
		ids = append(ids, v.Connection+" "+v.ID)
	}
	return model.VMRecord{}, model.Errorf(model.ErrConflict, "%d VMs are named %s (%s): choose one by id", len(same), name, strings.Join(ids, ", "))
}

// referred is the VM ref names: CONNECTION/ID, then a cloud id (Azure's
// start with a slash), then a name.
func referred(vms []model.VMRecord, ref string, s Selector) (model.VMRecord, error) {
	conn, id, ok := strings.Cut(ref, "/")
	for _, v := range vms {
		if ok && v.Connection == conn && v.ID == id || v.ID == ref {
			return v, nil
		}
	}
	return named(vms, ref, s)
}

// Until is what Wait waits for: a state, SSH answering, or a resize done
// (UntilResized).
type Until string

const (
	UntilRunning  Until = "running"
	UntilStopped  Until = "stopped"
	UntilDeleted  Until = "deleted"
	UntilSSHReady Until = "ssh"
)

// Wait polls a VM until it is in the state asked for, or, for
// UntilSSHReady, running with its SSH port answering with an SSH
// banner; it gives up at ctx's deadline with the state the VM was in, and
// at once when the VM lands in another settled state (error, deleted).
func (inv *Inventory) Wait(ctx context.Context, connection, id string, until Until, every time.Duration) (model.VMRecord, error) {
	p, err := inv.conns.Open(ctx, connection)
	if err != nil {
		return model.VMRecord{}, err
	}
	if every <= 0 {
		every = 2 * time.Second
	}
	var last model.VM
	for {
		vm, err := p.Get(ctx, id)
		switch {
		case err == nil:
			last = vm
			vm.Connection, vm.Kind = connection, p.Kind()
			// What the cloud said is recorded even as the wait ends.
			if err := inv.save(context.WithoutCancel(ctx), vm); err != nil {
				return model.VMRecord{}, err
			}
			if reached(vm, until) {
				return inv.store.VM(ctx, connection, id)
			}
			if vm.State == model.VMError || (vm.State == model.VMDeleted && until != UntilDeleted) {
				return model.VMRecord{}, model.Errorf(model.ErrConflict, "VM %s is %s (%s), so it will not be %s", vm.Name, vm.State, vm.CloudState, until)
			}
		case errors.Is(err, model.ErrNotFound) && until == UntilDeleted:
			rec, err := inv.store.VM(ctx, connection, id)
			if err != nil {
				return rec, err
			}
			return inv.destroyed(ctx, rec)
		case errors.Is(err, model.ErrNotFound) && last.ID == "":
			// Just created: a cloud may not list a new VM at once (EC2's
			// reads are eventually consistent).
		case ctx.Err() == nil && !errors.Is(err, model.ErrUnavailable):
			return model.VMRecord{}, err
		}
		select {
		case <-ctx.Done():
			name := cmp.Or(last.Name, id)
			return model.VMRecord{}, model.Errorf(model.ErrUnavailable, "gave up waiting for VM %s to be %s: it is %s", name, until, cmp.Or(string(last.State), "not yet listed"))
		case <-time.After(every):
		}
	}
}

func reached(vm model.VM, until Until) bool {
	switch until {
	case UntilRunning:
		return vm.State == model.VMRunning
	case UntilStopped:
		return vm.State == model.VMStopped || vm.State == model.VMSuspended
	case UntilDeleted:
		return vm.State == model.VMDeleted
	case UntilSSHReady:
		return vm.State == model.VMRunning && sshAnswers(vm)
	case UntilResized:
		return resized(vm)
	}
	return false
}

// sshAnswers reports whether a VM's SSH port answers with an SSH banner
// ("SSH-2.0-…"): a port that accepts but is not sshd yet does not count.
func sshAnswers(vm model.VM) bool {
	addrs := append(slices.Clone(vm.PublicIPs), vm.PrivateIPs...)
	port := "22"
	if a, p := vm.Details["address"], vm.Details["port"]; a != "" && p != "" { // a static host
		addrs, port = []string{a}, p
	}
	for _, a := range addrs {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(a, port), 3*time.Second)
		if err != nil {
			continue
		}
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		line, _ := bufio.NewReader(conn).ReadString('\n')
		_ = conn.Close()
		if strings.HasPrefix(line, "SSH-") {
			return true
		}
	}
	return false
}
