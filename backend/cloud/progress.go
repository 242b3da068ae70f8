package cloud

import (
	"cmp"
	"context"
	"errors"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// sshPatience is how long after its launch a running VM is watched for
// SSH to answer: an image without sshd, or a firewall that shuts port 22,
// would otherwise keep the page watching for ever.
const sshPatience = 10 * time.Minute

// Progress is where a VM is on its way: created, running, SSH-ready, or
// settled in another state.
type Progress struct {
	VM       model.VMRecord
	SSHReady bool
	// Done says nothing more will change on its own: the VM is settled
	// (stopped, suspended, gone, failed, a resize waiting to be
	// confirmed) or running with SSH answering, or no longer expected to.
	Done bool
}

// Moving reports whether a VM is worth watching: on its way to another
// state, or running and young enough that its SSH may yet answer.
func Moving(vm model.VMRecord, now time.Time) bool {
	switch vm.State {
	case model.VMPending, model.VMStopping, model.VMRebooting, model.VMDeleting:
		return true
	case model.VMResizing:
		return !awaitsConfirm(vm.VM)
	case model.VMRunning:
		return vm.Kind != model.CloudHosts && now.Sub(cmp.Or(vm.LaunchedAt, vm.FirstSeen)) < sshPatience
	}
	return false
}

// Watch reads a VM from its cloud once, records what changed in its
// history, and says how far it has come. Pages call it again and again
// while Done is false.
func (inv *Inventory) Watch(ctx context.Context, connection, id string) (Progress, error) {
	p, err := inv.conns.Open(ctx, connection)
	if err != nil {
		return Progress{}, err
	}
	vm, err := p.Get(ctx, id)
	switch {
	case errors.Is(err, model.ErrNotFound):
		// Just created (EC2 lists a new VM a moment late), or gone: the
		// record says which, and a refresh marks it gone.
		rec, rerr := inv.store.VM(ctx, connection, id)
		if rerr != nil {
			return Progress{}, rerr
		}
		return Progress{VM: rec, Done: rec.State != model.VMPending}, nil
	case err != nil:
		return Progress{}, err
	}
	vm.Connection, vm.Kind = connection, p.Kind()
	if err := inv.save(ctx, vm); err != nil {
		return Progress{}, err
	}
	rec, err := inv.store.VM(ctx, connection, id)
	if err != nil {
		return Progress{}, err
	}
	pr := Progress{VM: rec}
	if rec.State == model.VMRunning {
		pr.SSHReady = sshAnswers(vm)
	}
	pr.Done = pr.SSHReady || !Moving(rec, inv.now())
	return pr, nil
}
