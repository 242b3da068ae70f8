package frontend

import (
	"errors"
	"net/http"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// showVM renders one VM: everything the cloud says of it, its cost, the
// actions it offers, and its history, what meshflow did and what changed
// outside it.
func (h *Handler) showVM(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ref, ok := parseVMRef(r.URL.Query().Get("vm"))
	if !ok || h.vms == nil {
		h.missing(w, r, "vms", "No such VM", "The address names no VM: open one from the VMs list.")
		return
	}
	vms, err := h.vms.VMs(ctx, ref.connection, true)
	if err != nil {
		h.serverError(w, r, "read VM", err)
		return
	}
	for _, vm := range vms {
		if vm.ID != ref.id {
			continue
		}
		history, err := h.vms.History(ctx, ref.connection, ref.id, 200)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			h.serverError(w, r, "read VM history", err)
			return
		}
		p := pages.VMPage{Row: h.vmRow(vm), History: history, Now: h.now(), Flash: h.flashes.get(r.URL.Query().Get("flash"))}
		h.render(w, r, http.StatusOK, pages.VMShowPage(h.chrome(ctx, "vms"), p))
		return
	}
	h.missing(w, r, "vms", "No such VM", "Connection "+ref.connection+" has no VM "+ref.id+" that meshflow knows. Refresh the VMs list if it was made just now.")
}
