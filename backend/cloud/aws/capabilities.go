package aws

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// Suspend hibernates an instance: its memory goes to the root volume and
// it stops being billed for compute. EC2 hibernates only instances
// launched with hibernation configured; any other is answered
// cloud.ErrNotSupported before EC2 is asked.
func (p *Provider) Suspend(ctx context.Context, id string) error {
	op := "suspend " + id
	in, err := p.instance(ctx, op, id)
	if err != nil {
		return err
	}
	if !hibernationConfigured(in) {
		return &cloud.Error{
			Kind: model.CloudAWS, Connection: p.conn, Op: op, Is: cloud.ErrNotSupported,
			Message: "not supported by this instance: it was launched without hibernation configured, and EC2 can hibernate only instances launched with it; stop it instead",
		}
	}
	if _, err := p.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}, Hibernate: aws.Bool(true)}); err != nil {
		return p.fail(op, err)
	}
	return nil
}

// Resume starts a hibernated instance, which restores its memory.
func (p *Provider) Resume(ctx context.Context, id string) error {
	return p.start(ctx, "resume "+id, id)
}

// Reboot reboots a running instance.
func (p *Provider) Reboot(ctx context.Context, id string) error {
	if _, err := p.ec2.RebootInstances(ctx, &ec2.RebootInstancesInput{InstanceIds: []string{id}}); err != nil {
		return p.fail("reboot "+id, err)
	}
	return nil
}

// Resize changes the instance type of a stopped instance. EC2 refuses a
// running one with a message that does not say what state it is in; this
// says, so the user knows to stop it first.
func (p *Provider) Resize(ctx context.Context, id, flavor string) error {
	op := "resize " + id + " to " + flavor
	in, err := p.instance(ctx, op, id)
	if err != nil {
		return err
	}
	if in.State == nil || in.State.Name != types.InstanceStateNameStopped {
		state := "in an unknown state"
		if in.State != nil {
			state = string(in.State.Name)
		}
		return &cloud.Error{
			Kind: model.CloudAWS, Connection: p.conn, Op: op, Is: model.ErrConflict,
			Message: "the instance is " + state + ": EC2 changes the type only of a stopped instance; stop it first",
		}
	}
	_, err = p.ec2.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{
		InstanceId:   aws.String(id),
		InstanceType: &types.AttributeValue{Value: aws.String(flavor)},
	})
	if err != nil {
		return p.fail(op, err)
	}
	return nil
}

// amazonImages are the name patterns of the Amazon-owned images worth
// offering: Amazon owns thousands, most of them old or special-purpose.
var amazonImages = []string{"al2023-ami-2023.*-x86_64", "al2023-ami-2023.*-arm64", "Windows_Server-2022-English-Full-Base-*", "Windows_Server-2025-English-Full-Base-*"}

// Images lists the account's own available images and Amazon's current
// Amazon Linux and Windows Server ones.
func (p *Provider) Images(ctx context.Context) ([]model.Image, error) {
	available := types.Filter{Name: aws.String("state"), Values: []string{"available"}}
	queries := []*ec2.DescribeImagesInput{
		{Owners: []string{"self"}, Filters: []types.Filter{available}},
		{Owners: []string{"amazon"}, Filters: []types.Filter{available, {Name: aws.String("name"), Values: amazonImages}}},
	}
	var images []model.Image
	for _, q := range queries {
		q.MaxResults = aws.Int32(pageSize)
		pages := ec2.NewDescribeImagesPaginator(p.ec2, q)
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				return nil, p.fail("list images", err)
			}
			for _, im := range out.Images {
				images = append(images, toImage(im))
			}
		}
	}
	return images, nil
}

func toImage(im types.Image) model.Image {
	os := "linux"
	// EC2 sends "windows" for images though the SDK's enum says "Windows".
	if strings.EqualFold(string(im.Platform), "windows") {
		os = "windows"
	}
	created, _ := time.Parse(time.RFC3339, aws.ToString(im.CreationDate))
	return model.Image{ID: aws.ToString(im.ImageId), Name: aws.ToString(im.Name), OS: os, Description: aws.ToString(im.Description), CreatedAt: created}
}

// Flavors lists the instance types offered in the region, sorted by name.
func (p *Provider) Flavors(ctx context.Context) ([]model.Flavor, error) {
	var flavors []model.Flavor
	pages := ec2.NewDescribeInstanceTypesPaginator(p.ec2, &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(100)})
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, p.fail("list flavors", err)
		}
		for _, t := range out.InstanceTypes {
			f := model.Flavor{ID: string(t.InstanceType), Name: string(t.InstanceType)}
			if t.VCpuInfo != nil {
				f.VCPUs = int(aws.ToInt32(t.VCpuInfo.DefaultVCpus))
			}
			if t.MemoryInfo != nil {
				f.MemoryMB = int(aws.ToInt64(t.MemoryInfo.SizeInMiB))
			}
			flavors = append(flavors, f)
		}
	}
	sort.Slice(flavors, func(i, j int) bool { return flavors[i].Name < flavors[j].Name })
	return flavors, nil
}

// ImportKey imports an OpenSSH public key as the key pair name.
func (p *Provider) ImportKey(ctx context.Context, name, publicKey string) error {
	_, err := p.ec2.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{KeyName: aws.String(name), PublicKeyMaterial: []byte(publicKey)})
	if err != nil {
		return p.fail("import key "+name, err)
	}
	return nil
}

// ConsoleOutput returns the instance's console output, decoded from the
// base64 EC2 sends; "" before it has any.
func (p *Provider) ConsoleOutput(ctx context.Context, id string) (string, error) {
	op := "console output of " + id
	out, err := p.ec2.GetConsoleOutput(ctx, &ec2.GetConsoleOutputInput{InstanceId: aws.String(id)})
	if err != nil {
		return "", p.fail(op, err)
	}
	text, err := base64.StdEncoding.DecodeString(aws.ToString(out.Output))
	if err != nil {
		return "", &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Message: fmt.Sprintf("EC2 sent output that is not base64: %v", err)}
	}
	return string(text), nil
}
