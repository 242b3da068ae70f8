package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/meshflow/meshflow/backend/cloud"
)

var _ cloud.Placer = (*Provider)(nil)

// Placements lists the region's key pairs (DescribeKeyPairs, which has no
// pages), security groups and subnets (every page of each). A key pair is
// named as RunInstances takes it; a group and a subnet by id, shown with
// its name, VPC and zone.
func (p *Provider) Placements(ctx context.Context) (cloud.Placements, error) {
	var out cloud.Placements
	keys, err := p.ec2.DescribeKeyPairs(ctx, &ec2.DescribeKeyPairsInput{})
	if err != nil {
		return out, p.fail("list key pairs", err)
	}
	for _, k := range keys.KeyPairs {
		out.KeyPairs = append(out.KeyPairs, cloud.Named{ID: aws.ToString(k.KeyName), Name: aws.ToString(k.KeyName)})
	}
	groups := ec2.NewDescribeSecurityGroupsPaginator(p.ec2, &ec2.DescribeSecurityGroupsInput{})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return out, p.fail("list security groups", err)
		}
		for _, g := range page.SecurityGroups {
			out.SecurityGroups = append(out.SecurityGroups, cloud.Named{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.GroupName) + " (" + aws.ToString(g.VpcId) + ")"})
		}
	}
	subnets := ec2.NewDescribeSubnetsPaginator(p.ec2, &ec2.DescribeSubnetsInput{})
	for subnets.HasMorePages() {
		page, err := subnets.NextPage(ctx)
		if err != nil {
			return out, p.fail("list subnets", err)
		}
		for _, s := range page.Subnets {
			name := aws.ToString(s.CidrBlock) + " in " + aws.ToString(s.AvailabilityZone)
			for _, t := range s.Tags {
				if aws.ToString(t.Key) == "Name" {
					name = aws.ToString(t.Value) + ", " + name
				}
			}
			out.Networks = append(out.Networks, cloud.Named{ID: aws.ToString(s.SubnetId), Name: name})
		}
	}
	return out, nil
}
