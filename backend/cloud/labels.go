package cloud

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// SetLabels replaces the labels a VM has in meshflow — its tags beside
// the cloud's, the group (GroupTag) among them — and records the change
// in its history. The adapters set cloud tags only at create, so every
// later edit is a label: the VMs list, Select and the ops see labels as
// tags, over a cloud tag of the same key; the cloud does not.
func (inv *Inventory) SetLabels(ctx context.Context, connection, id string, labels map[string]string, why string) (model.VMRecord, error) {
	rec, err := inv.store.VM(ctx, connection, id)
	if err != nil {
		return model.VMRecord{}, model.Errorf(model.ErrNotFound, "connection %s has no VM %s that meshflow knows: refresh the inventory", connection, id)
	}
	for k := range labels {
		if strings.TrimSpace(k) == "" || strings.ContainsAny(k, "=,\n") || len(k) > 128 || len(labels[k]) > 256 {
			return rec, model.Errorf(model.ErrInvalid, "label %q of %s: a key is 1 to 128 characters without = or a comma, a value at most 256", k, rec.Name)
		}
	}
	if err := inv.store.SetVMLabels(ctx, connection, id, labels); err != nil {
		return rec, err
	}
	inv.dropCache()
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		pairs = append(pairs, k+"="+labels[k])
	}
	msg := "labels set to " + strings.Join(pairs, ", ")
	if len(pairs) == 0 {
		msg = "labels removed"
	}
	if why != "" {
		msg += " by " + why
	}
	e := model.VMEvent{At: inv.now(), Connection: connection, VMID: id, Name: rec.Name, Kind: model.VMActed, From: rec.State, Message: msg}
	if err := inv.store.AddVMEvent(ctx, e); err != nil {
		return rec, err
	}
	return inv.store.VM(ctx, connection, id)
}

// withoutLabels is the VM as its cloud described it, the labels the store
// read into its Tags taken out again, for saving it back. (A label that
// stood over a cloud tag of the same key takes that tag with it.)
func withoutLabels(rec model.VMRecord) model.VM {
	vm := rec.VM
	if len(rec.Labels) > 0 {
		vm.Tags = maps.Clone(vm.Tags)
		for k := range rec.Labels {
			delete(vm.Tags, k)
		}
	}
	return vm
}
