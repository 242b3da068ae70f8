package frontend

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// vmChoice is the VMs an action is asked for, from ?action=…&vm=….
type vmChoice struct {
	action cloud.Action
	vms    []model.VMRecord
	refs   []string
}

// chooseVMs reads the action and the VMs from r's form, refusing an
// unknown action, no VM, or a VM meshflow does not know.
func (h *Handler) chooseVMs(w http.ResponseWriter, r *http.Request) (vmChoice, bool) {
	if err := r.ParseForm(); err != nil {
		h.badRequest(w, r, http.StatusBadRequest, "The form cannot be read: "+err.Error())
		return vmChoice{}, false
	}
	a, ok := cloud.ParseAction(r.Form.Get("action"))
	if !ok {
		h.badRequest(w, r, http.StatusBadRequest, fmt.Sprintf("Action %q is not one the VMs page offers: use start, stop, suspend, resume, reboot or destroy.", r.Form.Get("action")))
		return vmChoice{}, false
	}
	c := vmChoice{action: a, refs: r.Form["vm"]}
	if len(c.refs) == 0 {
		h.badRequest(w, r, http.StatusBadRequest, "No VM was ticked: tick the VMs to "+string(a)+", then press the button again.")
		return vmChoice{}, false
	}
	if h.vms == nil {
		h.missing(w, r, "vms", "No such VM", "No cloud is connected.")
		return vmChoice{}, false
	}
	known, err := h.vms.VMs(r.Context(), "", false)
	if err != nil {
		h.serverError(w, r, "list VMs", err)
		return vmChoice{}, false
	}
	for _, s := range c.refs {
		ref, ok := parseVMRef(s)
		i := -1
		for j, vm := range known {
			if ok && vm.Connection == ref.connection && vm.ID == ref.id {
				i = j
			}
		}
		if i < 0 {
			h.missing(w, r, "vms", "No such VM", "meshflow knows no VM "+s+": it may be gone; refresh the VMs list.")
			return vmChoice{}, false
		}
		c.vms = append(c.vms, known[i])
	}
	return c, true
}

// confirmVMAction asks before acting on VMs, listing each with its state
// now and the state the action leads to.
func (h *Handler) confirmVMAction(w http.ResponseWriter, r *http.Request) {
	c, ok := h.chooseVMs(w, r)
	if !ok {
		return
	}
	after := string(c.action.Leads())
	if c.action == cloud.Suspend {
		after = string(model.VMSuspended)
	}
	n := components.Plural(len(c.vms), "VM", "VMs")
	conf := components.Confirmation{
		Question: strings.ToUpper(string(c.action[:1])) + string(c.action[1:]) + " " + n + "?",
		Subject:  "VMs that will change",
		Action:   "/vms/act?" + url.Values{"action": {string(c.action)}, "vm": c.refs}.Encode(),
		Button:   strings.ToUpper(string(c.action[:1])) + string(c.action[1:]) + " " + n,
		Back:     "/vms",
	}
	for _, vm := range c.vms {
		it := components.ConfirmItem{Label: vm.Name, Href: pages.VMURL(vm.Connection, vm.ID), From: string(vm.State), To: after, Detail: vm.Connection + " " + vm.ID}
		conf.Items = append(conf.Items, it)
	}
	switch c.action {
	case cloud.Destroy:
		conf.Lead = "The cloud deletes these VMs and what meshflow made for them (on Azure their disk, network card and public address). This cannot be undone."
		conf.Danger = true
	case cloud.Stop:
		conf.Lead = "The VMs shut down. Their disks stay, and are still billed; on Azure a stopped VM is billed in full until it is suspended (deallocated)."
	case cloud.Suspend:
		conf.Lead = "The VMs are hibernated (AWS, where launched with hibernation), deallocated (Azure) or suspended (OpenStack)."
	default:
		conf.Lead = "The cloud is asked to " + string(c.action) + " each VM; its state shows in the list as it changes."
	}
	h.render(w, r, http.StatusOK, pages.ConfirmPage(h.chrome(r.Context(), "vms"), conf.Question, []pages.Crumb{{Label: "VMs", Href: "/vms"}}, conf))
}

// actVMs acts on the VMs chosen, one by one by cloud id, and says which
// the cloud refused and why.
func (h *Handler) actVMs(w http.ResponseWriter, r *http.Request) {
	c, ok := h.chooseVMs(w, r)
	if !ok {
		return
	}
	audit.Name(r.Context(), "vm."+string(c.action), model.AuditTarget{Kind: model.TargetVM, ID: strings.Join(c.refs, ", ")})
	var refused []string
	var last error
	for _, vm := range c.vms {
		if _, err := h.vms.Act(r.Context(), vm.Connection, vm.ID, c.action, "the VMs page"); err != nil {
			refused, last = append(refused, vm.Name), err
		}
	}
	flash := pages.Flash{Message: fmt.Sprintf("Asked the cloud to %s %s.", c.action, components.Plural(len(c.vms), "VM", "VMs"))}
	if len(refused) > 0 {
		audit.Err(r.Context(), last)
		flash = pages.Flash{Bad: true, Message: fmt.Sprintf("%d of %d refused (%s): %s", len(refused), len(c.vms), strings.Join(refused, ", "), last)}
	}
	back := "/vms"
	if len(c.vms) == 1 {
		back = pages.VMURL(c.vms[0].Connection, c.vms[0].ID)
	}
	sep := "?"
	if strings.Contains(back, "?") {
		sep = "&"
	}
	redirect(w, r, back+sep+"flash="+h.flashes.add(flash))
}

// refreshVMs refreshes every connection now and shows the list.
func (h *Handler) refreshVMs(w http.ResponseWriter, r *http.Request) {
	audit.Name(r.Context(), model.ActionVMRefresh, model.AuditTarget{Kind: model.TargetVM})
	flash := pages.Flash{Message: "Refreshed every connection."}
	if h.vms == nil {
		flash = pages.Flash{Message: "No cloud is connected: add one under Connections.", Bad: true}
	} else if status, err := h.vms.Refresh(r.Context()); err != nil {
		audit.Err(r.Context(), err)
		flash = pages.Flash{Message: "The refresh failed: " + err.Error(), Bad: true}
	} else {
		for _, s := range status {
			if s.Error != "" {
				flash = pages.Flash{Message: "Some connections did not answer; their errors are listed above the VMs.", Bad: true}
			}
		}
	}
	redirect(w, r, "/vms?flash="+h.flashes.add(flash))
}
