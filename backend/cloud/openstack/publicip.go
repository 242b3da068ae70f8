package openstack

import (
	"context"
	"fmt"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/ports"
)

// AssignPublicIP gives the server a floating IP from the external network,
// on its first port. A server that already has one keeps it: asking twice
// allocates one address, not two.
func (p *Provider) AssignPublicIP(ctx context.Context, id string) (string, error) {
	op := "assign a public IP to " + id
	port, err := p.serverPort(ctx, op, id)
	if err != nil {
		return "", err
	}
	if have, err := p.floatingIPs(ctx, floatingips.ListOpts{PortID: port.ID}); err != nil {
		return "", p.fail(op, err)
	} else if len(have) > 0 {
		return have[0].FloatingIP, nil
	}
	ext, err := p.externalNetwork(ctx, op)
	if err != nil {
		return "", err
	}
	fip, err := floatingips.Create(ctx, p.network, floatingips.CreateOpts{
		FloatingNetworkID: ext, PortID: port.ID, FixedIP: port.FixedIPs[0].IPAddress,
		Description: ownedBy(id),
	}).Extract()
	if err != nil {
		return "", p.fail(op, err)
	}
	return fip.FloatingIP, nil
}

// ReleasePublicIP disassociates the floating IP from the server and gives
// it back to the pool. An address already released is not an error; one
// on another server is refused.
func (p *Provider) ReleasePublicIP(ctx context.Context, id, ip string) error {
	op := "release public IP " + ip + " of " + id
	fips, err := p.floatingIPs(ctx, floatingips.ListOpts{FloatingIP: ip})
	if err != nil {
		return p.fail(op, err)
	}
	if len(fips) == 0 {
		return nil
	}
	fip := fips[0]
	if fip.PortID != "" {
		ps, err := p.ports(ctx, id)
		if err != nil {
			return p.fail(op, err)
		}
		mine := false
		for _, pt := range ps {
			mine = mine || pt.ID == fip.PortID
		}
		if !mine {
			return p.conflict(op, fmt.Sprintf("%s is attached to port %s, not to this server", ip, fip.PortID))
		}
		empty := ""
		if _, err := floatingips.Update(ctx, p.network, fip.ID, floatingips.UpdateOpts{PortID: &empty}).Extract(); err != nil {
			return p.fail(op, err)
		}
	}
	return p.fail(op, floatingips.Delete(ctx, p.network, fip.ID).ExtractErr())
}

func (p *Provider) ports(ctx context.Context, server string) ([]ports.Port, error) {
	pages, err := ports.List(p.network, ports.ListOpts{DeviceID: server}).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return ports.ExtractPorts(pages)
}

// serverPort is the server's first port with an address.
func (p *Provider) serverPort(ctx context.Context, op, id string) (ports.Port, error) {
	ps, err := p.ports(ctx, id)
	if err != nil {
		return ports.Port{}, p.fail(op, err)
	}
	for _, pt := range ps {
		if len(pt.FixedIPs) > 0 {
			return pt, nil
		}
	}
	return ports.Port{}, p.conflict(op, "the server has no network port with an address yet; wait until it is running")
}

func (p *Provider) floatingIPs(ctx context.Context, opts floatingips.ListOpts) ([]floatingips.FloatingIP, error) {
	pages, err := floatingips.List(p.network, opts).AllPages(ctx)
	if err != nil {
		return nil, err
	}
	return floatingips.ExtractFloatingIPs(pages)
}

// externalNetwork is the network floating IPs come from: the only
// external one, or the one named "public" (Chameleon's and Jetstream2's
// name) when there are several.
func (p *Provider) externalNetwork(ctx context.Context, op string) (string, error) {
	yes := true
	pages, err := networks.List(p.network, external.ListOptsExt{ListOptsBuilder: networks.ListOpts{}, External: &yes}).AllPages(ctx)
	if err != nil {
		return "", p.fail(op, err)
	}
	nets, err := networks.ExtractNetworks(pages)
	if err != nil {
		return "", p.fail(op, err)
	}
	if len(nets) == 1 {
		return nets[0].ID, nil
	}
	names := make([]string, len(nets))
	for i, n := range nets {
		if n.Name == "public" {
			return n.ID, nil
		}
		names[i] = n.Name
	}
	if len(nets) == 0 {
		return "", p.notFound(op, "the cloud has no external network to take a floating IP from")
	}
	return "", p.invalid(op, "several external networks could give the floating IP: "+strings.Join(names, ", "))
}

// ownedBy is the description that marks a floating IP meshflow allocated
// for a server, so Destroy can release it and nothing else.
func ownedBy(server string) string { return "meshflow: " + server }

// ownFloatingIPs lists the ids of the floating IPs on the server's ports
// that meshflow allocated for it.
func (p *Provider) ownFloatingIPs(ctx context.Context, server string) ([]string, error) {
	ps, err := p.ports(ctx, server)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, pt := range ps {
		fips, err := p.floatingIPs(ctx, floatingips.ListOpts{PortID: pt.ID})
		if err != nil {
			return nil, err
		}
		for _, f := range fips {
			if f.Description == ownedBy(server) {
				ids = append(ids, f.ID)
			}
		}
	}
	return ids, nil
}
