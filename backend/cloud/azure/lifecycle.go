package azure

import (
	"context"
	"errors"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
)

// action runs a VM action that Azure answers with a long-running
// operation, and returns once Azure has accepted it: the inventory
// watches the state change.
func (p *Provider) action(ctx context.Context, verb, id string, begin func(rg, name string) error) error {
	rid, err := parseVMID(id)
	if err != nil {
		return err
	}
	if err := begin(rid.ResourceGroupName, rid.Name); err != nil {
		return p.fail(verb+" "+rid.Name, err)
	}
	return nil
}

// Start starts a VM, stopped or deallocated.
func (p *Provider) Start(ctx context.Context, id string) error {
	return p.action(ctx, "start", id, func(rg, name string) error {
		_, err := p.vms.BeginStart(ctx, rg, name, nil)
		return err
	})
}

// Stop powers a VM off. Azure keeps its hardware allocated, so a stopped
// VM is still billed for compute; Suspend (deallocate) is the stop that
// saves money.
func (p *Provider) Stop(ctx context.Context, id string) error {
	return p.action(ctx, "stop", id, func(rg, name string) error {
		_, err := p.vms.BeginPowerOff(ctx, rg, name, nil)
		return err
	})
}

// Suspend deallocates a VM: its compute is released and no longer billed
// (its disks and static IPs still are), and it may come back on other
// hardware with a new dynamic private address.
func (p *Provider) Suspend(ctx context.Context, id string) error {
	return p.action(ctx, "suspend", id, func(rg, name string) error {
		_, err := p.vms.BeginDeallocate(ctx, rg, name, nil)
		return err
	})
}

// Resume starts a deallocated VM.
func (p *Provider) Resume(ctx context.Context, id string) error {
	return p.action(ctx, "resume", id, func(rg, name string) error {
		_, err := p.vms.BeginStart(ctx, rg, name, nil)
		return err
	})
}

// Reboot restarts a running VM.
func (p *Provider) Reboot(ctx context.Context, id string) error {
	return p.action(ctx, "reboot", id, func(rg, name string) error {
		_, err := p.vms.BeginRestart(ctx, rg, name, nil)
		return err
	})
}

// Resize changes a VM's size. Azure resizes a running VM in place when
// its hardware cluster has the size, and refuses otherwise; deallocating
// first makes every size of the region available.
func (p *Provider) Resize(ctx context.Context, id, flavor string) error {
	return p.action(ctx, "resize", id, func(rg, name string) error {
		_, err := p.vms.BeginUpdate(ctx, rg, name, armcompute.VirtualMachineUpdate{
			Properties: &armcompute.VirtualMachineProperties{
				HardwareProfile: &armcompute.HardwareProfile{VMSize: to.Ptr(armcompute.VirtualMachineSizeTypes(flavor))},
			},
		}, nil)
		return err
	})
}

// Destroy deletes a VM and waits for it to go, then what Create made for
// it: its NIC, public IP, NSG and OS disk. The VM's DeleteOptions remove
// most of them with it; deleting them here as well covers VMs whose
// options said otherwise, and only resources carrying the VM's token are
// touched, so a group or IP the user brought is left alone. A VM that is
// already gone is not an error.
func (p *Provider) Destroy(ctx context.Context, id string) error {
	rid, err := parseVMID(id)
	if err != nil {
		return err
	}
	rg, name := rid.ResourceGroupName, rid.Name
	op := "destroy " + name
	token := ""
	if resp, err := p.vms.Get(ctx, rg, name, nil); err == nil {
		token = deref(resp.Tags[TokenTag])
	} else if !isNotFound(err) {
		return p.fail(op, err)
	}
	if token == "" {
		// Not made by meshflow (or already gone): delete the VM only.
		return p.deleteVM(ctx, op, rg, name)
	}
	if err := p.deleteVM(ctx, op, rg, name); err != nil {
		return err
	}
	return p.deleteLeftovers(ctx, op, rg, name, token)
}

func (p *Provider) deleteVM(ctx context.Context, op, rg, name string) error {
	poller, err := p.vms.BeginDelete(ctx, rg, name, nil)
	if err := await(ctx, p, poller, err); err != nil {
		return p.fail(op, err)
	}
	return nil
}

// deleteLeftovers deletes, in the order Azure allows (the NIC before the
// public IP and NSG it uses), the resources Create named after the VM
// that carry its token.
func (p *Provider) deleteLeftovers(ctx context.Context, op, rg, name, token string) error {
	n := names(name)
	ours := func(tags map[string]*string) bool { return deref(tags[TokenTag]) == token }
	if r, err := p.nics.Get(ctx, rg, n.nic, nil); err == nil && ours(r.Tags) {
		poller, err := p.nics.BeginDelete(ctx, rg, n.nic, nil)
		if err := await(ctx, p, poller, err); err != nil {
			return p.fail(op+": delete "+n.nic, err)
		}
	}
	if r, err := p.pips.Get(ctx, rg, n.ip, nil); err == nil && ours(r.Tags) {
		poller, err := p.pips.BeginDelete(ctx, rg, n.ip, nil)
		if err := await(ctx, p, poller, err); err != nil {
			return p.fail(op+": delete "+n.ip, err)
		}
	}
	if r, err := p.nsgs.Get(ctx, rg, n.nsg, nil); err == nil && ours(r.Tags) {
		poller, err := p.nsgs.BeginDelete(ctx, rg, n.nsg, nil)
		if err := await(ctx, p, poller, err); err != nil {
			return p.fail(op+": delete "+n.nsg, err)
		}
	}
	if r, err := p.disks.Get(ctx, rg, n.disk, nil); err == nil && ours(r.Tags) {
		poller, err := p.disks.BeginDelete(ctx, rg, n.disk, nil)
		if err := await(ctx, p, poller, err); err != nil {
			return p.fail(op+": delete "+n.disk, err)
		}
	}
	return nil
}

// await waits for a long-running delete Begin* started (err is Begin's
// error). Not found counts as done: ARM answers a DELETE of a missing
// resource with 204, and a 404 means someone else finished first.
func await[T any](ctx context.Context, p *Provider, poller *runtime.Poller[T], err error) error {
	if err == nil {
		_, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: p.cfg.PollFrequency})
	}
	if err != nil && !isNotFound(err) {
		return err
	}
	return nil
}

// hasCode reports whether ARM refused with this error code.
func hasCode(err error, code string) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.ErrorCode == code
}

func isNotFound(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusNotFound
}
