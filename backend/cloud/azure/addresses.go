package azure

import (
	"context"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/meshflow/meshflow/backend/model"
)

// addressBook is the NICs and public IPs of a scope, by lower-case id, so
// that a List reads every VM's addresses from two paged lists.
type addressBook struct {
	nics map[string]*armnetwork.Interface
	ips  map[string]string // public IP resource id → address
}

// addresses lists the NICs and public IPs of the connection's resource
// group (or subscription).
func (p *Provider) addresses(ctx context.Context) (addressBook, error) {
	book := addressBook{nics: map[string]*armnetwork.Interface{}, ips: map[string]string{}}
	var nics []*armnetwork.Interface
	var pips []*armnetwork.PublicIPAddress
	var err error
	if rg := p.cfg.ResourceGroup; rg != "" {
		nics, err = collect(ctx, p.nics.NewListPager(rg, nil), func(r armnetwork.InterfacesClientListResponse) []*armnetwork.Interface { return r.Value })
		if err == nil {
			pips, err = collect(ctx, p.pips.NewListPager(rg, nil), func(r armnetwork.PublicIPAddressesClientListResponse) []*armnetwork.PublicIPAddress { return r.Value })
		}
	} else {
		nics, err = collect(ctx, p.nics.NewListAllPager(nil), func(r armnetwork.InterfacesClientListAllResponse) []*armnetwork.Interface { return r.Value })
		if err == nil {
			pips, err = collect(ctx, p.pips.NewListAllPager(nil), func(r armnetwork.PublicIPAddressesClientListAllResponse) []*armnetwork.PublicIPAddress {
				return r.Value
			})
		}
	}
	if err != nil {
		return book, p.fail("list addresses", err)
	}
	for _, n := range nics {
		book.nics[strings.ToLower(deref(n.ID))] = n
	}
	for _, ip := range pips {
		if ip.Properties != nil && ip.Properties.IPAddress != nil {
			book.ips[strings.ToLower(deref(ip.ID))] = *ip.Properties.IPAddress
		}
	}
	return book, nil
}

// vmAddresses reads one VM's NICs and their public IPs.
func (p *Provider) vmAddresses(ctx context.Context, m *armcompute.VirtualMachine) (addressBook, error) {
	book := addressBook{nics: map[string]*armnetwork.Interface{}, ips: map[string]string{}}
	for _, ref := range nicRefs(m) {
		rid, err := arm.ParseResourceID(deref(ref.ID))
		if err != nil {
			continue
		}
		resp, err := p.nics.Get(ctx, rid.ResourceGroupName, rid.Name, nil)
		if err != nil {
			return book, err
		}
		nic := resp.Interface
		book.nics[strings.ToLower(deref(nic.ID))] = &nic
		for _, pipID := range publicIPIDs(&nic) {
			prid, err := arm.ParseResourceID(pipID)
			if err != nil {
				continue
			}
			pip, err := p.pips.Get(ctx, prid.ResourceGroupName, prid.Name, nil)
			if err != nil {
				return book, err
			}
			if pip.Properties != nil && pip.Properties.IPAddress != nil {
				book.ips[strings.ToLower(pipID)] = *pip.Properties.IPAddress
			}
		}
	}
	return book, nil
}

// fill sets v's private and public addresses from m's NICs.
func (b addressBook) fill(v *model.VM, m *armcompute.VirtualMachine) {
	for _, ref := range nicRefs(m) {
		nic, ok := b.nics[strings.ToLower(deref(ref.ID))]
		if !ok || nic.Properties == nil {
			continue
		}
		for _, ipc := range nic.Properties.IPConfigurations {
			if ipc.Properties != nil && ipc.Properties.PrivateIPAddress != nil {
				v.PrivateIPs = append(v.PrivateIPs, *ipc.Properties.PrivateIPAddress)
			}
		}
		for _, id := range publicIPIDs(nic) {
			if ip, ok := b.ips[strings.ToLower(id)]; ok {
				v.PublicIPs = append(v.PublicIPs, ip)
			}
		}
	}
}

func nicRefs(m *armcompute.VirtualMachine) []*armcompute.NetworkInterfaceReference {
	if m.Properties == nil || m.Properties.NetworkProfile == nil {
		return nil
	}
	return m.Properties.NetworkProfile.NetworkInterfaces
}

func publicIPIDs(nic *armnetwork.Interface) []string {
	if nic.Properties == nil {
		return nil
	}
	var out []string
	for _, ipc := range nic.Properties.IPConfigurations {
		if ipc.Properties != nil && ipc.Properties.PublicIPAddress != nil && ipc.Properties.PublicIPAddress.ID != nil {
			out = append(out, *ipc.Properties.PublicIPAddress.ID)
		}
	}
	return out
}
