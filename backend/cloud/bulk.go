package cloud

import (
	"cmp"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// ActRequest asks for one action on the VMs a selector picks, as the API
// and the CLI ask it: a lifecycle verb or any other change in Changes.
type ActRequest struct {
	Selector
	Action Action
	// Arg is what the change takes (Action.TakesArg): the flavor, image,
	// new name or address.
	Arg string
	// Unconfirmed leaves a resize for the user to confirm (see
	// ResizeRequest).
	Unconfirmed bool
	// Why says who asked, for the VMs' history: "the command line".
	Why string
	// DryRun picks the VMs and says which, acting on none: what a face
	// shows before an action that cannot be undone.
	DryRun bool
	// Wait waits for each VM to be as the action leads to, at most
	// WaitFor each (10 minutes if zero).
	Wait    bool
	WaitFor time.Duration
}

// Acted is what became of one VM an action was asked of.
type Acted struct {
	VM    model.VMRecord `json:"vm"`
	Error string         `json:"error,omitempty"` // the cloud's refusal, or why the wait ended
}

// ActOn acts on each VM req picks, by cloud id, and says how each went.
// A selection that picks nothing, or a name two VMs share, is refused
// before any VM is acted on; a cloud refusing one VM does not stop the
// others, and the error returned then joins every refusal.
func (inv *Inventory) ActOn(ctx context.Context, req ActRequest) ([]Acted, error) {
	if _, ok := ParseChange(string(req.Action)); !ok {
		return nil, model.Errorf(model.ErrInvalid, "action %s is not a VM action: use one of %s", model.Quote(string(req.Action)), strings.Join(ChangeNames(), ", "))
	}
	if req.Action.TakesArg() && strings.TrimSpace(req.Arg) == "" {
		return nil, model.Errorf(model.ErrInvalid, "%s: say what to %s the VMs to (the %s)", req.Action, req.Action, argName(req.Action))
	}
	vms, err := inv.Select(ctx, req.Selector)
	if err != nil {
		return nil, err
	}
	if (req.Action == Rename || req.Action == ReleaseIP) && len(vms) > 1 {
		return nil, model.Errorf(model.ErrInvalid, "%s: %s picks %d VMs, and a %s is of one VM: choose it by name or id", req.Action, req.Selector, len(vms), argName(req.Action))
	}
	out := make([]Acted, 0, len(vms))
	var errs []error
	for _, vm := range vms {
		if req.DryRun {
			out = append(out, Acted{VM: vm})
			continue
		}
		got, err := inv.actOne(ctx, req, vm)
		a := Acted{VM: got}
		if err != nil {
			a.Error, errs = err.Error(), append(errs, err)
		}
		out = append(out, a)
	}
	return out, errors.Join(errs...)
}

// actOne does req to one VM and, if asked, waits for what it leads to.
func (inv *Inventory) actOne(ctx context.Context, req ActRequest, vm model.VMRecord) (model.VMRecord, error) {
	if req.Action == Resize {
		return inv.Resize(ctx, ResizeRequest{
			Connection: vm.Connection, ID: vm.ID, Flavor: req.Arg, Why: req.Why,
			Unconfirmed: req.Unconfirmed, Wait: req.Wait, WaitFor: req.WaitFor,
		})
	}
	got, err := inv.Change(ctx, Change{Connection: vm.Connection, ID: vm.ID, Action: req.Action, Arg: req.Arg, Why: req.Why})
	if err != nil || !req.Wait {
		return got, err
	}
	waited, err := inv.waitAll(ctx, []model.VMRecord{got}, req.Action.Leads(), req.WaitFor)
	return waited[0], err
}

// argName names what an action's Arg is, for its errors.
func argName(a Action) string {
	switch a {
	case Resize:
		return "flavor"
	case Rebuild:
		return "image"
	case Rename:
		return "new name"
	case ReleaseIP:
		return "public IP"
	}
	return "argument"
}

// waitAll waits for each VM in turn to be as until says, at most each
// (10 minutes if zero) for each, and returns them as they then are.
func (inv *Inventory) waitAll(ctx context.Context, vms []model.VMRecord, until Until, each time.Duration) ([]model.VMRecord, error) {
	out := make([]model.VMRecord, 0, len(vms))
	for _, vm := range vms {
		wctx, cancel := context.WithTimeout(ctx, cmp.Or(each, 10*time.Minute))
		got, err := inv.Wait(wctx, vm.Connection, vm.ID, until, inv.every)
		cancel()
		if err != nil {
			return append(out, vm), err
		}
		out = append(out, got)
	}
	return out, nil
}
