package cloud

import (
	"context"
	"fmt"

	"github.com/meshflow/meshflow/backend/model"
)

// ensurePublicIP gives a VM asked for with a public IP the address its
// cloud did not give it at launch: OpenStack binds a floating IP only to
// the port of a server that is ACTIVE, so the VM is waited for first
// (req.WaitFor). A VM the cloud gave an address at launch (EC2, Azure) is
// left as it is. Asked again — the request's next try, after a crash —
// it finds the address given before rather than taking a second.
func (inv *Inventory) ensurePublicIP(ctx context.Context, p Provider, rec model.VMRecord, req CreateRequest) (model.VMRecord, error) {
	pa, ok := p.(PublicAddresser)
	if !req.Spec.PublicIP || !ok || len(rec.PublicIPs) > 0 {
		return rec, nil
	}
	if rec.State != model.VMRunning {
		running, err := inv.waitAll(ctx, []model.VMRecord{rec}, UntilRunning, req.WaitFor)
		if err != nil {
			return rec, fmt.Errorf("give %s its public IP: %w", rec.Name, err)
		}
		if rec = running[0]; len(rec.PublicIPs) > 0 {
			return rec, nil
		}
	}
	ip, err := pa.AssignPublicIP(ctx, rec.ID)
	msg := "public IP " + ip + " given by meshflow, as the create asked"
	if err != nil {
		msg = "public IP asked for by the create, refused: " + err.Error()
	}
	e := model.VMEvent{At: inv.now(), Connection: rec.Connection, VMID: rec.ID, Name: rec.Name, Kind: model.VMActed, From: rec.State, To: rec.State, Message: msg}
	if aerr := inv.store.AddVMEvent(context.WithoutCancel(ctx), e); aerr != nil {
		inv.logger.Error("record vm event", "vm", rec.ID, "err", aerr)
	}
	if err != nil {
		return rec, err
	}
	vm, err := p.Get(ctx, rec.ID)
	if err != nil {
		return rec, nil // assigned; the address shows at the next refresh
	}
	vm.Connection, vm.Kind = rec.Connection, p.Kind()
	if err := inv.save(ctx, vm); err != nil {
		return rec, err
	}
	return inv.store.VM(ctx, rec.Connection, rec.ID)
}
