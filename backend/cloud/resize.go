package cloud

import (
	"cmp"
	"context"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// UntilResized waits for a resize to be done: the VM settled on its new
// flavor, or waiting for it to be confirmed (OpenStack's VERIFY_RESIZE).
const UntilResized Until = "resized"

// ResizeRequest asks to move one VM to another flavor.
type ResizeRequest struct {
	Connection, ID, Flavor string
	Why                    string // who asked, for the VM's history
	// Unconfirmed leaves a resize the cloud waits on for the user to
	// confirm or revert; otherwise it is confirmed as soon as the cloud
	// asks, which means waiting for that.
	Unconfirmed bool
	// Wait waits until the resize is done, at most WaitFor (10 minutes if
	// zero), asking the cloud every Poll (the inventory's if zero).
	Wait          bool
	WaitFor, Poll time.Duration
}

// Resize moves a VM to another flavor and, unless asked not to, confirms
// the move where the cloud asks for that: what the vm.resize op, the API
// and the CLI do. EC2 resizes only a stopped VM, which stays stopped.
func (inv *Inventory) Resize(ctx context.Context, r ResizeRequest) (model.VMRecord, error) {
	got, err := inv.Change(ctx, Change{Connection: r.Connection, ID: r.ID, Action: Resize, Arg: r.Flavor, Why: r.Why})
	if err != nil || (r.Unconfirmed && !r.Wait) {
		return got, err
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(r.WaitFor, 10*time.Minute))
	defer cancel()
	poll := cmp.Or(r.Poll, inv.every)
	if got, err = inv.Wait(ctx, r.Connection, r.ID, UntilResized, poll); err != nil || r.Unconfirmed || !awaitsConfirm(got.VM) {
		return got, err
	}
	got, err = inv.Change(ctx, Change{Connection: r.Connection, ID: r.ID, Action: ConfirmResize, Why: r.Why})
	if err != nil || !r.Wait {
		return got, err
	}
	return inv.Wait(ctx, r.Connection, r.ID, UntilResized, poll)
}

// awaitsConfirm reports whether the cloud holds a resize for the user to
// confirm or revert.
func awaitsConfirm(vm model.VM) bool {
	return vm.State == model.VMResizing && vm.CloudState == "VERIFY_RESIZE"
}

// resized reports whether a resize is done with: waiting to be confirmed,
// or the VM settled with no task under way (Nova reports ACTIVE with task
// resize_prep for a moment after it accepts one).
func resized(vm model.VM) bool {
	if awaitsConfirm(vm) {
		return true
	}
	switch vm.State {
	case model.VMRunning, model.VMStopped, model.VMSuspended:
		return vm.Details["task_state"] == ""
	}
	return false
}
