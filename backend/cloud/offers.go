package cloud

import (
	"context"

	"github.com/meshflow/meshflow/backend/model"
)

// Offer is what a connection's cloud can do to its VMs, found by the
// capability interfaces its provider implements: the faces show these
// and hide the rest.
type Offer struct {
	Actions  []Action // lifecycle verbs, in Actions' order
	Resize   bool
	Confirm  bool // a resize waits to be confirmed or reverted (OpenStack)
	Rebuild  bool
	Rename   bool
	PublicIP bool
	Console  bool
	Catalog  bool // images and flavors to pick from
}

// For is the lifecycle verbs that make sense for a VM in state s: no
// start for a running VM, no resume for one that is not suspended. A VM
// in error, or in a state meshflow has no word for, is offered them all,
// for the cloud to judge.
func (o Offer) For(s model.VMState) []Action {
	var out []Action
	for _, a := range o.Actions {
		if a.fits(s) {
			out = append(out, a)
		}
	}
	return out
}

func (a Action) fits(s model.VMState) bool {
	switch s {
	case model.VMError, model.VMUnknown:
		return true
	case model.VMDeleted:
		return false
	}
	switch a {
	case Start:
		return s == model.VMStopped || s == model.VMSuspended
	case Stop:
		return s == model.VMRunning || s == model.VMPending || s == model.VMRebooting
	case Suspend, Reboot:
		return s == model.VMRunning
	case Resume:
		return s == model.VMSuspended
	}
	return true // destroy
}

// Offers says what the provider of connection can do.
func (inv *Inventory) Offers(ctx context.Context, connection string) (Offer, error) {
	p, err := inv.conns.Open(ctx, connection)
	if err != nil {
		return Offer{}, err
	}
	return offerOf(p), nil
}

func offerOf(p Provider) Offer {
	var o Offer
	// A static host answers every lifecycle verb with a refusal: meshflow
	// did not make it, and does not switch it off.
	if p.Kind() != model.CloudHosts {
		o.Actions = []Action{Start, Stop}
		if _, ok := p.(Suspender); ok {
			o.Actions = append(o.Actions, Suspend, Resume)
		}
		if _, ok := p.(Rebooter); ok {
			o.Actions = append(o.Actions, Reboot)
		}
		o.Actions = append(o.Actions, Destroy)
	}
	_, o.Resize = p.(Resizer)
	_, o.Confirm = p.(ResizeConfirmer)
	_, o.Rebuild = p.(Rebuilder)
	_, o.Rename = p.(Renamer)
	_, o.PublicIP = p.(PublicAddresser)
	_, o.Console = p.(Consoler)
	_, o.Catalog = p.(Catalog)
	return o
}
