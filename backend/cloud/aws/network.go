package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// SSHGroup is the security group Create makes, one per VPC, when a spec
// names none: it opens port 22 to the addresses specs ask for.
const SSHGroup = "meshflow-ssh"

// groupAsk is what of a spec decides its security groups.
type groupAsk struct{ network, group, sshFrom string }

// securityGroups resolves spec's groups, once per provider for the same
// ask (see Provider.groups).
func (p *Provider) securityGroups(ctx context.Context, op string, spec cloud.CreateSpec) ([]string, error) {
	ask := groupAsk{spec.Network, spec.SecurityGroup, spec.SSHFrom}
	p.groupsMu.Lock()
	ids, ok := p.groups[ask]
	p.groupsMu.Unlock()
	if ok {
		return ids, nil
	}
	ids, err := p.resolveGroups(ctx, op, spec)
	if err != nil {
		return nil, err
	}
	p.groupsMu.Lock()
	if p.groups == nil {
		p.groups = map[groupAsk][]string{}
	}
	p.groups[ask] = ids
	p.groupsMu.Unlock()
	return ids, nil
}

// resolveGroups resolves spec's group (an sg- id, or a name in the VPC)
// or finds or makes SSHGroup and opens SSH to spec.SSHFrom in it.
func (p *Provider) resolveGroups(ctx context.Context, op string, spec cloud.CreateSpec) ([]string, error) {
	if len(spec.SecurityGroup) > 3 && spec.SecurityGroup[:3] == "sg-" {
		return []string{spec.SecurityGroup}, nil
	}
	vpc, err := p.vpcOf(ctx, op, spec.Network)
	if err != nil {
		return nil, err
	}
	if spec.SecurityGroup != "" {
		g, err := p.findGroup(ctx, op, vpc, spec.SecurityGroup)
		if err != nil {
			return nil, err
		}
		if g == nil {
			return nil, &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: "no security group " + spec.SecurityGroup + " in " + vpc, Is: model.ErrInvalid}
		}
		return []string{aws.ToString(g.GroupId)}, nil
	}
	if spec.SSHFrom == "" {
		return nil, &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: "no security group given and no address to open SSH to (SSHFrom)", Is: model.ErrInvalid}
	}
	id, err := p.sshGroup(ctx, op, vpc, spec.SSHFrom)
	if err != nil {
		return nil, err
	}
	return []string{id}, nil
}

// vpcOf returns the VPC of subnet, or the region's default VPC.
func (p *Provider) vpcOf(ctx context.Context, op, subnet string) (string, error) {
	if subnet != "" {
		out, err := p.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
		if err != nil {
			return "", p.fail(op, err)
		}
		if len(out.Subnets) == 0 {
			return "", &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: "no subnet " + subnet, Is: model.ErrInvalid}
		}
		return aws.ToString(out.Subnets[0].VpcId), nil
	}
	out, err := p.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil {
		return "", p.fail(op, err)
	}
	if len(out.Vpcs) == 0 {
		return "", &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: "the region has no default VPC: give a subnet (network)", Is: model.ErrInvalid}
	}
	return aws.ToString(out.Vpcs[0].VpcId), nil
}

func (p *Provider) findGroup(ctx context.Context, op, vpc, name string) (*types.SecurityGroup, error) {
	out, err := p.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		{Name: aws.String("group-name"), Values: []string{name}},
		{Name: aws.String("vpc-id"), Values: []string{vpc}},
	}})
	if err != nil {
		return nil, p.fail(op, err)
	}
	if len(out.SecurityGroups) == 0 {
		return nil, nil
	}
	return &out.SecurityGroups[0], nil
}

// sshGroup finds or makes SSHGroup in vpc with tcp/22 open to cidr. Both
// steps tolerate a concurrent create doing the same.
func (p *Provider) sshGroup(ctx context.Context, op, vpc, cidr string) (string, error) {
	g, err := p.findGroup(ctx, op, vpc, SSHGroup)
	if err != nil {
		return "", err
	}
	var id string
	if g != nil {
		id = aws.ToString(g.GroupId)
		if opensSSH(g, cidr) {
			return id, nil
		}
	} else {
		out, err := p.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName:   aws.String(SSHGroup),
			Description: aws.String("meshflow: SSH to the VMs it creates"),
			VpcId:       aws.String(vpc),
		})
		switch {
		case is(err, "InvalidGroup.Duplicate"): // made meanwhile by another create
			again, ferr := p.findGroup(ctx, op, vpc, SSHGroup)
			if ferr != nil {
				return "", ferr
			}
			if again == nil {
				return "", p.fail(op, err)
			}
			id = aws.ToString(again.GroupId)
		case err != nil:
			return "", p.fail(op, err)
		default:
			id = aws.ToString(out.GroupId)
		}
	}
	_, err = p.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(id),
		IpPermissions: []types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []types.IpRange{{CidrIp: aws.String(cidr), Description: aws.String("meshflow")}},
		}},
	})
	if err != nil && !is(err, "InvalidPermission.Duplicate") {
		return "", p.fail(op, err)
	}
	return id, nil
}

func opensSSH(g *types.SecurityGroup, cidr string) bool {
	for _, perm := range g.IpPermissions {
		if aws.ToString(perm.IpProtocol) != "tcp" || aws.ToInt32(perm.FromPort) > 22 || aws.ToInt32(perm.ToPort) < 22 {
			continue
		}
		for _, r := range perm.IpRanges {
			if aws.ToString(r.CidrIp) == cidr {
				return true
			}
		}
	}
	return false
}

// AssignPublicIP allocates an Elastic IP and associates it with the
// instance, releasing it again if the association fails, so a failure
// leaves no address billed.
func (p *Provider) AssignPublicIP(ctx context.Context, id string) (string, error) {
	op := "assign public IP to " + id
	alloc, err := p.ec2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	if err != nil {
		return "", p.fail(op, err)
	}
	_, err = p.ec2.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: alloc.AllocationId, InstanceId: aws.String(id)})
	if err != nil {
		_, _ = p.ec2.ReleaseAddress(context.WithoutCancel(ctx), &ec2.ReleaseAddressInput{AllocationId: alloc.AllocationId})
		return "", p.fail(op, err)
	}
	return aws.ToString(alloc.PublicIp), nil
}

// ReleasePublicIP disassociates the Elastic IP ip from the instance and
// releases it. An address associated with another instance is refused.
func (p *Provider) ReleasePublicIP(ctx context.Context, id, ip string) error {
	op := "release public IP " + ip + " of " + id
	out, err := p.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: []types.Filter{{Name: aws.String("public-ip"), Values: []string{ip}}}})
	if err != nil {
		return p.fail(op, err)
	}
	if len(out.Addresses) == 0 {
		return &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: ip + " is not an Elastic IP of this account", Is: model.ErrNotFound}
	}
	a := out.Addresses[0]
	if other := aws.ToString(a.InstanceId); other != "" && other != id {
		return &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: ip + " is associated with " + other, Is: model.ErrConflict}
	}
	if a.AssociationId != nil {
		_, err := p.ec2.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{AssociationId: a.AssociationId})
		if err != nil && !is(err, "InvalidAssociationID.NotFound") {
			return p.fail(op, err)
		}
	}
	if _, err := p.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: a.AllocationId}); err != nil {
		return p.fail(op, err)
	}
	return nil
}
