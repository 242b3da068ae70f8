package frontend

import (
	"cmp"
	"net/http"
	"strings"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// changeOf reads the change ?action=…&vm=…&arg=… asks of one VM,
// refusing an unknown action, an unknown VM or a missing argument.
func (h *Handler) changeOf(w http.ResponseWriter, r *http.Request) (cloud.Change, model.VMRecord, bool) {
	q := r.URL.Query()
	a, ok := cloud.ParseChange(q.Get("action"))
	if !ok {
		h.badRequest(w, r, http.StatusBadRequest, "Action "+model.Quote(q.Get("action"))+" is not one a VM's page offers: open the VM's page and choose one there.")
		return cloud.Change{}, model.VMRecord{}, false
	}
	vm, ok := h.findVM(w, r)
	if !ok {
		return cloud.Change{}, model.VMRecord{}, false
	}
	c := cloud.Change{Connection: vm.Connection, ID: vm.ID, Action: a, Arg: strings.TrimSpace(q.Get("arg")), Why: "the VMs page"}
	if a.TakesArg() && c.Arg == "" {
		h.badRequest(w, r, http.StatusBadRequest, "Say what to "+string(a)+" "+vm.Name+" to: fill in the field beside the button.")
		return cloud.Change{}, model.VMRecord{}, false
	}
	return c, vm, true
}

// confirmVMChange asks before a change of one VM, saying what it does.
func (h *Handler) confirmVMChange(w http.ResponseWriter, r *http.Request) {
	c, vm, ok := h.changeOf(w, r)
	if !ok {
		return
	}
	what := c.String()
	conf := components.Confirmation{
		Question: strings.ToUpper(what[:1]) + what[1:] + " of " + vm.Name + "?",
		Subject:  "The VM",
		Items:    []components.ConfirmItem{{Label: vm.Name, Href: pages.VMURL(vm.Connection, vm.ID), From: string(vm.State), To: string(vm.State), Detail: vm.Connection + " " + vm.ID}},
		Action:   r.URL.RequestURI(),
		Button:   strings.ToUpper(what[:1]) + what[1:],
		Back:     pages.VMURL(vm.Connection, vm.ID),
		Lead:     changeLead(c),
	}
	switch c.Action {
	case cloud.Rebuild, cloud.ReleaseIP:
		conf.Danger = true
	case cloud.Resize:
		conf.Items[0].To = string(model.VMResizing)
	}
	h.render(w, r, http.StatusOK, pages.ConfirmPage(h.chrome(r.Context(), "vms"), conf.Question, []pages.Crumb{{Label: "VMs", Href: "/vms"}, {Label: vm.Name, Href: pages.VMURL(vm.Connection, vm.ID)}}, conf))
}

// changeLead says what a change does, and what it costs.
func changeLead(c cloud.Change) string {
	switch c.Action {
	case cloud.Resize:
		return "The VM is moved to flavor " + c.Arg + ". Most clouds stop it for the move; on OpenStack it then waits for you to confirm or revert."
	case cloud.ConfirmResize:
		return "The VM keeps its new flavor, and the cloud frees the old one."
	case cloud.RevertResize:
		return "The VM goes back to its old flavor."
	case cloud.Rebuild:
		return "The VM's disk is reinstalled from image " + c.Arg + ": everything on it is lost. Its id and addresses stay."
	case cloud.Rename:
		return "The cloud renames the VM to " + c.Arg + "; ops that choose it by its old name no longer find it."
	case cloud.AssignIP:
		return "The cloud gives the VM a public address (an Elastic IP, an Azure public IP, a floating IP), which is billed until it is released."
	case cloud.ReleaseIP:
		return "The address " + c.Arg + " is taken from the VM and given back to the cloud; you may not get it again."
	}
	return "The cloud is asked to " + c.String() + " the VM."
}

// changeVM asks the cloud for the change, records it, and shows the VM.
func (h *Handler) changeVM(w http.ResponseWriter, r *http.Request) {
	c, vm, ok := h.changeOf(w, r)
	if !ok {
		return
	}
	audit.Name(r.Context(), "vm."+string(c.Action), model.AuditTarget{Kind: model.TargetVM, ID: pages.VMRef(vm.Connection, vm.ID)})
	flash := pages.Flash{Message: "Asked the cloud to " + c.String() + "."}
	got, err := h.vms.Change(r.Context(), c)
	switch {
	case err != nil:
		audit.Err(r.Context(), err)
		flash = pages.Flash{Bad: true, Message: "The cloud refused to " + c.String() + ": " + err.Error()}
	case c.Action == cloud.AssignIP:
		flash.Message += " Its public addresses: " + cmp.Or(strings.Join(got.PublicIPs, ", "), "none yet; they show once the cloud lists them") + "."
	}
	redirect(w, r, pages.VMURL(vm.Connection, vm.ID)+"&flash="+h.flashes.add(flash))
}
