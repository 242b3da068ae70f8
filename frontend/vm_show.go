package frontend

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// showVM renders one VM: everything the cloud says of it, its cost, the
// actions its cloud offers, how far it is on its way up, and its history,
// what meshflow did and what changed outside it. With ?watch= (the
// polling page's own address) it first asks the cloud how the VM is.
func (h *Handler) showVM(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	vm, ok := h.findVM(w, r)
	if !ok {
		return
	}
	var ssh bool
	if r.URL.Query().Get("watch") != "" {
		pr, err := h.vms.Watch(ctx, vm.Connection, vm.ID)
		if err != nil {
			h.fail(w, r, "read VM "+vm.Name+" from its cloud", err)
			return
		}
		vm, ssh = pr.VM, pr.SSHReady
	}
	p, err := h.vmPage(ctx, vm, ssh)
	if err != nil {
		h.serverError(w, r, "read VM history", err)
		return
	}
	p.Flash = h.flashes.get(r.URL.Query().Get("flash"))
	if cloud.Moving(vm, h.now()) && !ssh {
		h.watchFrom(&p)
	}
	h.render(w, r, http.StatusOK, pages.VMShowPage(h.chrome(ctx, "vms"), p))
}

// findVM is the VM ?vm= names, gone ones included; it answers 404 itself.
func (h *Handler) findVM(w http.ResponseWriter, r *http.Request) (model.VMRecord, bool) {
	ref, ok := parseVMRef(r.URL.Query().Get("vm"))
	if !ok || h.vms == nil {
		h.missing(w, r, "vms", "No such VM", "The address names no VM: open one from the VMs list.")
		return model.VMRecord{}, false
	}
	vms, err := h.vms.VMs(r.Context(), ref.connection, true)
	if err != nil {
		h.serverError(w, r, "read VM", err)
		return model.VMRecord{}, false
	}
	if i := slices.IndexFunc(vms, func(vm model.VMRecord) bool { return vm.ID == ref.id }); i >= 0 {
		return vms[i], true
	}
	h.missing(w, r, "vms", "No such VM", "Connection "+ref.connection+" has no VM "+ref.id+" that meshflow knows. Refresh the VMs list if it was made just now.")
	return model.VMRecord{}, false
}

// vmPage fills the VM page: its row, history and the actions its cloud
// offers (none if the connection cannot be opened: it may be gone).
func (h *Handler) vmPage(ctx context.Context, vm model.VMRecord, ssh bool) (pages.VMPage, error) {
	history, err := h.vms.History(ctx, vm.Connection, vm.ID, 200)
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return pages.VMPage{}, err
	}
	p := pages.VMPage{Row: h.vmRow(vm), History: history, SSHReady: ssh, Now: h.now(), Group: vm.Labels[cloud.GroupTag]}
	for _, k := range slices.Sorted(maps.Keys(vm.Labels)) {
		if k != cloud.GroupTag {
			p.LabelLines += k + "=" + vm.Labels[k] + "\n"
		}
	}
	offer, err := h.vms.Offers(ctx, vm.Connection)
	if err != nil || !vm.GoneAt.IsZero() || vm.State == model.VMDeleted {
		return p, nil // nothing to act on, or nothing to act with
	}
	for _, a := range offer.For(vm.State) {
		p.Actions = append(p.Actions, string(a))
	}
	p.Offer = pages.VMOffer{
		Resize: offer.Resize, Confirm: offer.Confirm, Rebuild: offer.Rebuild,
		Rename: offer.Rename, PublicIP: offer.PublicIP, Console: offer.Console,
	}
	if offer.Catalog && (offer.Resize || offer.Rebuild) {
		// Suggestions only: a cloud that does not answer leaves them out.
		if view, err := h.vms.Catalog(ctx, cloud.CatalogQuery{Connection: vm.Connection}); err == nil {
			p.Images, p.Flavors = catalogChoices(view)
		}
	}
	return p, nil
}

// watchFrom makes the page follow its VM: by stream, or by polling where
// the browser cannot stream.
func (h *Handler) watchFrom(p *pages.VMPage) {
	vm := p.Row.VM
	if h.streams() {
		p.StreamURL = pages.VMEventsURL(vm.Connection, vm.ID)
	} else {
		p.PollURL = pages.VMURL(vm.Connection, vm.ID) + "&watch=1"
	}
}
