package azure

import (
	"context"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// AssignPublicIP gives a VM's primary NIC the public IP <vm>-ip (made if
// missing, deleted with the VM) and returns its address.
func (p *Provider) AssignPublicIP(ctx context.Context, id string) (string, error) {
	rid, err := parseVMID(id)
	if err != nil {
		return "", err
	}
	op := "assign public IP to " + rid.Name
	vm, err := p.vms.Get(ctx, rid.ResourceGroupName, rid.Name, nil)
	if err != nil {
		return "", p.fail(op, err)
	}
	nic, nicRG, err := p.primaryNIC(ctx, vm.Properties.NetworkProfile.NetworkInterfaces)
	if err != nil {
		return "", p.fail(op, err)
	}
	tags := map[string]*string{TokenTag: vm.Tags[TokenTag]}
	pip, err := p.publicIP(ctx, names(rid.Name).ip, tags)
	if err != nil {
		return "", p.fail(op, err)
	}
	nic.Properties.IPConfigurations[0].Properties.PublicIPAddress = &armnetwork.PublicIPAddress{ID: pip.ID}
	if err := p.updateNIC(ctx, nicRG, nic); err != nil {
		return "", p.fail(op, err)
	}
	return deref(pip.Properties.IPAddress), nil
}

// ReleasePublicIP detaches the public IP with address ip from the VM's
// NICs and deletes it, so it stops being billed.
func (p *Provider) ReleasePublicIP(ctx context.Context, id, ip string) error {
	rid, err := parseVMID(id)
	if err != nil {
		return err
	}
	op := "release public IP " + ip + " of " + rid.Name
	vm, err := p.vms.Get(ctx, rid.ResourceGroupName, rid.Name, nil)
	if err != nil {
		return p.fail(op, err)
	}
	for _, ref := range nicRefs(&vm.VirtualMachine) {
		nrid, err := arm.ParseResourceID(deref(ref.ID))
		if err != nil {
			continue
		}
		resp, err := p.nics.Get(ctx, nrid.ResourceGroupName, nrid.Name, nil)
		if err != nil {
			return p.fail(op, err)
		}
		nic := resp.Interface
		for _, ipc := range nic.Properties.IPConfigurations {
			pipRef := ipc.Properties.PublicIPAddress
			if pipRef == nil {
				continue
			}
			prid, err := arm.ParseResourceID(deref(pipRef.ID))
			if err != nil {
				continue
			}
			pip, err := p.pips.Get(ctx, prid.ResourceGroupName, prid.Name, nil)
			if err != nil || deref(pip.Properties.IPAddress) != ip {
				continue
			}
			ipc.Properties.PublicIPAddress = nil
			if err := p.updateNIC(ctx, nrid.ResourceGroupName, nic); err != nil {
				return p.fail(op, err)
			}
			poller, err := p.pips.BeginDelete(ctx, prid.ResourceGroupName, prid.Name, nil)
			if err := await(ctx, p, poller, err); err != nil {
				return p.fail(op, err)
			}
			return nil
		}
	}
	return nil
}

func (p *Provider) primaryNIC(ctx context.Context, refs []*armcompute.NetworkInterfaceReference) (armnetwork.Interface, string, error) {
	var chosen string
	for _, ref := range refs {
		if chosen == "" || (ref.Properties != nil && deref(ref.Properties.Primary)) {
			chosen = deref(ref.ID)
		}
	}
	rid, err := arm.ParseResourceID(chosen)
	if err != nil {
		return armnetwork.Interface{}, "", err
	}
	resp, err := p.nics.Get(ctx, rid.ResourceGroupName, rid.Name, nil)
	return resp.Interface, rid.ResourceGroupName, err
}

func (p *Provider) updateNIC(ctx context.Context, rg string, nic armnetwork.Interface) error {
	poller, err := p.nics.BeginCreateOrUpdate(ctx, rg, deref(nic.Name), nic, nil)
	if err != nil {
		return err
	}
	_, err = poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: p.cfg.PollFrequency})
	return err
}
