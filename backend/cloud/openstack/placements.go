package openstack

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"

	"github.com/meshflow/meshflow/backend/cloud"
)

var _ cloud.Placer = (*Provider)(nil)

// Placements lists the user's Nova key pairs, the project's Neutron
// security groups, and the networks a server can go on: every one but the
// external ones, which take floating IPs, not servers.
func (p *Provider) Placements(ctx context.Context) (cloud.Placements, error) {
	var out cloud.Placements
	kp, err := keypairs.List(p.compute, keypairs.ListOpts{}).AllPages(ctx)
	if err != nil {
		return out, p.fail("list key pairs", err)
	}
	keys, err := keypairs.ExtractKeyPairs(kp)
	if err != nil {
		return out, p.fail("list key pairs", err)
	}
	for _, k := range keys {
		out.KeyPairs = append(out.KeyPairs, cloud.Named{ID: k.Name, Name: k.Name})
	}
	gp, err := groups.List(p.network, groups.ListOpts{ProjectID: p.project}).AllPages(ctx)
	if err != nil {
		return out, p.fail("list security groups", err)
	}
	gs, err := groups.ExtractGroups(gp)
	if err != nil {
		return out, p.fail("list security groups", err)
	}
	for _, g := range gs {
		out.SecurityGroups = append(out.SecurityGroups, cloud.Named{ID: g.Name, Name: g.Name})
	}
	internal := false
	np, err := networks.List(p.network, external.ListOptsExt{ListOptsBuilder: networks.ListOpts{}, External: &internal}).AllPages(ctx)
	if err != nil {
		return out, p.fail("list networks", err)
	}
	ns, err := networks.ExtractNetworks(np)
	if err != nil {
		return out, p.fail("list networks", err)
	}
	for _, n := range ns {
		out.Networks = append(out.Networks, cloud.Named{ID: n.ID, Name: n.Name})
	}
	return out, nil
}
