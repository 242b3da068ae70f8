package openstack

import (
	"context"
	"net/http"
	"sort"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/groups"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/security/rules"
)

// sshGroupName is the security group meshflow makes when a create names
// none: SSH in from the user's address, Neutron's default egress out.
const sshGroupName = "meshflow-ssh"

// sshGroup finds or makes meshflow-ssh and makes sure it lets from reach
// port 22, returning the group's id (Nova refuses a name two groups share,
// which concurrent first creates could leave behind; the oldest wins).
// With no address it refuses rather than open SSH to the world.
func (p *Provider) sshGroup(ctx context.Context, op, from string) (string, error) {
	if from == "" {
		return "", p.invalid(op, "no security group was given and no address to open SSH to; set the connection's security group or the address to allow")
	}
	cidr, err := sshCIDR(from)
	if err != nil {
		return "", p.invalid(op, "the address to open SSH to, "+from+", is not an IP address or CIDR")
	}
	pages, err := groups.List(p.network, groups.ListOpts{Name: sshGroupName, ProjectID: p.project}).AllPages(ctx)
	if err != nil {
		return "", p.fail(op, err)
	}
	found, err := groups.ExtractGroups(pages)
	if err != nil {
		return "", p.fail(op, err)
	}
	var g groups.SecGroup
	if len(found) == 0 {
		made, err := groups.Create(ctx, p.network, groups.CreateOpts{Name: sshGroupName, Description: "SSH from the meshflow user's address"}).Extract()
		if err != nil {
			return "", p.fail(op, err)
		}
		g = *made
	} else {
		sort.Slice(found, func(i, j int) bool {
			if !found[i].CreatedAt.Equal(found[j].CreatedAt) {
				return found[i].CreatedAt.Before(found[j].CreatedAt)
			}
			return found[i].ID < found[j].ID
		})
		g = found[0]
	}
	ether := rules.EtherType4
	if cidr.Addr().Is6() {
		ether = rules.EtherType6
	}
	for _, r := range g.Rules {
		if r.Direction == string(rules.DirIngress) && r.Protocol == string(rules.ProtocolTCP) &&
			r.PortRangeMin <= 22 && r.PortRangeMax >= 22 && r.RemoteIPPrefix == cidr.String() {
			return g.ID, nil
		}
	}
	_, err = rules.Create(ctx, p.network, rules.CreateOpts{
		Direction: rules.DirIngress, EtherType: ether, Protocol: rules.ProtocolTCP,
		PortRangeMin: 22, PortRangeMax: 22, RemoteIPPrefix: cidr.String(), SecGroupID: g.ID,
		Description: "SSH for meshflow",
	}).Extract()
	if err != nil && !gophercloud.ResponseCodeIs(err, http.StatusConflict) {
		return "", p.fail(op, err)
	}
	return g.ID, nil
}
