package aws

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/meshflow/meshflow/backend/model"
)

// TagToken is the tag a VM's idempotency token is also kept in, for the
// instances that outlive their ClientToken or were made by another path.
const TagToken = "meshflow-token"

// hibernatedReason is the state reason EC2 gives a stopped instance that
// was hibernated rather than shut down.
const hibernatedReason = "Client.UserInitiatedHibernate"

// vmState maps an EC2 instance state code (API reference, InstanceState:
// only the low byte is the state) to meshflow's words.
func vmState(code int32, reason string) model.VMState {
	switch code & 0xff {
	case 0:
		return model.VMPending
	case 16:
		return model.VMRunning
	case 32:
		return model.VMDeleting
	case 48:
		return model.VMDeleted
	case 64:
		return model.VMStopping
	case 80:
		if reason == hibernatedReason {
			return model.VMSuspended
		}
		return model.VMStopped
	}
	return model.VMUnknown
}

func (p *Provider) toVM(in types.Instance) model.VM {
	vm := model.VM{
		Connection: p.conn,
		ID:         aws.ToString(in.InstanceId),
		Region:     p.region,
		Flavor:     string(in.InstanceType),
		Image:      aws.ToString(in.ImageId),
		KeyName:    aws.ToString(in.KeyName),
		LaunchedAt: aws.ToTime(in.LaunchTime),
		Token:      aws.ToString(in.ClientToken),
		Tags:       map[string]string{},
		Details:    map[string]string{},
	}
	var reason string
	if in.StateReason != nil {
		reason = aws.ToString(in.StateReason.Code)
		vm.Details["state_reason"] = aws.ToString(in.StateReason.Message)
	}
	if in.State != nil {
		vm.State = vmState(aws.ToInt32(in.State.Code), reason)
		vm.CloudState = string(in.State.Name)
	} else {
		vm.State = model.VMUnknown
	}
	if in.Placement != nil {
		vm.Zone = aws.ToString(in.Placement.AvailabilityZone)
	}
	if ip := aws.ToString(in.PublicIpAddress); ip != "" {
		vm.PublicIPs = []string{ip}
	}
	if ip := aws.ToString(in.PrivateIpAddress); ip != "" {
		vm.PrivateIPs = []string{ip}
	}
	for _, t := range in.Tags {
		vm.Tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	vm.Name = vm.Tags["Name"]
	if vm.Token == "" {
		vm.Token = vm.Tags[TagToken]
	}
	var groups []string
	for _, g := range in.SecurityGroups {
		groups = append(groups, aws.ToString(g.GroupId)+" ("+aws.ToString(g.GroupName)+")")
	}
	details := map[string]string{
		"vpc":              aws.ToString(in.VpcId),
		"subnet":           aws.ToString(in.SubnetId),
		"security_groups":  strings.Join(groups, ", "),
		"state_transition": aws.ToString(in.StateTransitionReason),
		"architecture":     string(in.Architecture),
		"platform":         string(in.Platform),
		"public_dns":       aws.ToString(in.PublicDnsName),
		"private_dns":      aws.ToString(in.PrivateDnsName),
		"root_device_type": string(in.RootDeviceType),
	}
	if hibernationConfigured(in) {
		details["hibernation"] = "configured"
	}
	for k, v := range details {
		if v != "" {
			vm.Details[k] = v
		}
	}
	return vm
}

// hibernationConfigured reports whether the instance was launched able to
// hibernate; EC2 refuses to hibernate any other.
func hibernationConfigured(in types.Instance) bool {
	return in.HibernationOptions != nil && aws.ToBool(in.HibernationOptions.Configured)
}
