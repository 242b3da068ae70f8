package aws

import (
	"context"
	"encoding/base64"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// pageSize is DescribeInstances' largest page: fewest calls for a big
// account.
const pageSize = 1000

// List returns every instance of the region, every page, terminated ones
// too while EC2 still lists them (as model.VMDeleted).
func (p *Provider) List(ctx context.Context) ([]model.VM, error) {
	var vms []model.VM
	pages := ec2.NewDescribeInstancesPaginator(p.ec2, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(pageSize)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, p.fail("list", err)
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				vms = append(vms, p.toVM(in))
			}
		}
	}
	return vms, nil
}

// Get returns one instance; model.ErrNotFound once EC2 has forgotten it.
func (p *Provider) Get(ctx context.Context, id string) (model.VM, error) {
	in, err := p.instance(ctx, "get "+id, id)
	if err != nil {
		return model.VM{}, err
	}
	return p.toVM(in), nil
}

// instance describes one instance, failing as op.
func (p *Provider) instance(ctx context.Context, op, id string) (types.Instance, error) {
	out, err := p.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return types.Instance{}, p.fail(op, err)
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if aws.ToString(in.InstanceId) == id {
				return in, nil
			}
		}
	}
	return types.Instance{}, &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: "EC2 does not list instance " + id, Is: model.ErrNotFound}
}

// Create launches one instance with spec.Token as its ClientToken, so EC2
// itself answers a repeated create with the instance the first one made
// (the SDK would otherwise invent a token per call). Every parameter must
// be the same on a retry, or EC2 answers IdempotentParameterMismatch: tags
// go in sorted, and the security group found or made is the same one.
func (p *Provider) Create(ctx context.Context, spec cloud.CreateSpec) (model.VM, error) {
	op := "create " + spec.Name
	if spec.Token == "" || len(spec.Token) > 64 {
		return model.VM{}, &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: "an idempotency token of 1 to 64 characters is required", Is: model.ErrInvalid}
	}
	groups, err := p.securityGroups(ctx, op, spec)
	if err != nil {
		return model.VM{}, err
	}
	in := &ec2.RunInstancesInput{
		ImageId:      aws.String(spec.Image),
		InstanceType: types.InstanceType(spec.Flavor),
		MinCount:     aws.Int32(1),
		MaxCount:     aws.Int32(1),
		ClientToken:  aws.String(spec.Token),
		TagSpecifications: []types.TagSpecification{{
			ResourceType: types.ResourceTypeInstance,
			Tags:         instanceTags(spec),
		}},
	}
	if spec.KeyName != "" {
		in.KeyName = aws.String(spec.KeyName)
	}
	if spec.Hibernate {
		in.HibernationOptions = &types.HibernationOptionsRequest{Configured: aws.Bool(true)}
	}
	if spec.Zone != "" {
		in.Placement = &types.Placement{AvailabilityZone: aws.String(spec.Zone)}
	}
	if spec.UserData != "" {
		in.UserData = aws.String(base64.StdEncoding.EncodeToString([]byte(spec.UserData)))
	}
	if spec.PublicIP {
		// Only a network interface can ask for a public address, and
		// then it must carry the subnet and groups too.
		ni := types.InstanceNetworkInterfaceSpecification{DeviceIndex: aws.Int32(0), AssociatePublicIpAddress: aws.Bool(true), Groups: groups}
		if spec.Network != "" {
			ni.SubnetId = aws.String(spec.Network)
		}
		in.NetworkInterfaces = []types.InstanceNetworkInterfaceSpecification{ni}
	} else {
		in.SecurityGroupIds = groups
		if spec.Network != "" {
			in.SubnetId = aws.String(spec.Network)
		}
	}
	out, err := p.ec2.RunInstances(ctx, in)
	if err != nil {
		return model.VM{}, p.fail(op, err)
	}
	if len(out.Instances) == 0 {
		return model.VM{}, &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: "EC2 answered with no instance", Is: model.ErrUnavailable}
	}
	return p.toVM(out.Instances[0]), nil
}

// instanceTags are the Name, the token and spec's tags, sorted by key.
func instanceTags(spec cloud.CreateSpec) []types.Tag {
	all := map[string]string{}
	for k, v := range spec.Tags {
		all[k] = v
	}
	all["Name"], all[TagToken] = spec.Name, spec.Token
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tags := make([]types.Tag, len(keys))
	for i, k := range keys {
		tags[i] = types.Tag{Key: aws.String(k), Value: aws.String(all[k])}
	}
	return tags
}

// Start starts a stopped (or hibernated) instance.
func (p *Provider) Start(ctx context.Context, id string) error {
	return p.start(ctx, "start "+id, id)
}

func (p *Provider) start(ctx context.Context, op, id string) error {
	if _, err := p.ec2.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		return p.fail(op, err)
	}
	return nil
}

// Stop shuts an instance down; its EBS volumes stay, and are billed.
func (p *Provider) Stop(ctx context.Context, id string) error {
	if _, err := p.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		return p.fail("stop "+id, err)
	}
	return nil
}

// Destroy terminates an instance. One EC2 no longer knows is gone already,
// which is what was asked.
func (p *Provider) Destroy(ctx context.Context, id string) error {
	_, err := p.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil && !is(err, "InvalidInstanceID.NotFound") {
		return p.fail("destroy "+id, err)
	}
	return nil
}
