package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// labelVM sets a VM's labels and group (POST /vms/labels?vm=…) from the
// form on its page: labels one a line, KEY=VALUE, and the group apart.
func (h *Handler) labelVM(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.badRequest(w, r, http.StatusBadRequest, "the form could not be read, or is over 64 KiB: reload the page and send it again")
		return
	}
	vm, ok := h.findVM(w, r)
	if !ok {
		return
	}
	audit.Name(r.Context(), model.ActionVMLabel, model.AuditTarget{Kind: model.TargetVM, ID: pages.VMRef(vm.Connection, vm.ID)})
	labels, err := parseTags(r.PostForm.Get("labels"))
	if err == nil {
		if g := r.PostForm.Get("group"); g != "" {
			if labels == nil {
				labels = map[string]string{}
			}
			labels[cloud.GroupTag] = g
		}
		_, err = h.vms.SetLabels(r.Context(), vm.Connection, vm.ID, labels, "the VMs page")
	}
	flash := pages.Flash{Message: "Labels of " + vm.Name + " saved."}
	if err != nil {
		audit.Err(r.Context(), err)
		flash = pages.Flash{Bad: true, Message: "The labels were not saved: " + err.Error()}
	}
	redirect(w, r, pages.VMURL(vm.Connection, vm.ID)+"&flash="+h.flashes.add(flash))
}
