package ec2fake

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
)

const (
	defaultVPC    = "vpc-0de1a017"
	defaultSubnet = "subnet-0de1a017"
)

type subnet struct {
	id, vpcID, zone, cidr string
	mapPublicIP           bool
}

type group struct {
	id, name, description, vpcID string
	ingress                      []ipPermissionXML
}

type address struct {
	allocationID, publicIP, instanceID, associationID string
}

// seedNetwork makes the default VPC every account has in a region: one
// default subnet that gives instances public addresses, and its "default"
// security group.
func (s *Server) seedNetwork() {
	s.subnets[defaultSubnet] = &subnet{id: defaultSubnet, vpcID: defaultVPC, zone: s.opts.Region + "a", cidr: "172.31.0.0/20", mapPublicIP: true}
	id := s.newID("sg")
	s.groups[id] = &group{id: id, name: "default", description: "default VPC security group", vpcID: defaultVPC}
}

func (s *Server) defaultGroup(vpc string) groupItem {
	for _, g := range s.groups {
		if g.vpcID == vpc && g.name == "default" {
			return groupItem{g.id, g.name}
		}
	}
	panic("ec2fake: no default group in " + vpc)
}

// launchSpec is what RunInstances asked for, checked as EC2 checks it.
type launchSpec struct {
	image, itype, key   string
	count               int
	subnet              *subnet
	groups              []groupItem
	public, hibernation bool
	tags                []tagItem
}

func (s *Server) launchSpec(f form) (*launchSpec, error) {
	sp := &launchSpec{image: f.get("ImageId"), itype: f.get("InstanceType"), key: f.get("KeyName")}
	if sp.image == "" {
		return nil, clientError("MissingParameter", "The request must contain the parameter ImageId")
	}
	if !s.knownImage(sp.image) {
		return nil, clientError("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", sp.image)
	}
	if sp.itype == "" {
		sp.itype = "m1.small" // EC2's documented default
	}
	if !s.knownType(sp.itype) {
		return nil, clientError("InvalidParameterValue", "Invalid value '%s' for InstanceType.", sp.itype)
	}
	minC, err1 := strconv.Atoi(f.get("MinCount"))
	maxC, err2 := strconv.Atoi(f.get("MaxCount"))
	if err1 != nil || err2 != nil || minC < 1 || maxC < minC {
		return nil, clientError("InvalidParameterValue", "MinCount and MaxCount must be at least 1, and MinCount at most MaxCount.")
	}
	sp.count = maxC
	if sp.key != "" && s.keys[sp.key] == nil {
		return nil, clientError("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", sp.key)
	}
	if ud := f.get("UserData"); ud != "" {
		if _, err := base64.StdEncoding.DecodeString(ud); err != nil {
			return nil, clientError("InvalidParameterValue", "Invalid BASE64 encoding of user data.")
		}
	}
	sp.hibernation = f.get("HibernationOptions.Configured") == "true"
	sp.tags = launchTags(f)
	if err := s.launchNetwork(f, sp); err != nil {
		return nil, err
	}
	return sp, nil
}

// launchNetwork resolves the subnet and groups, from the top-level
// parameters or the first network interface — never both, as on EC2.
func (s *Server) launchNetwork(f form, sp *launchSpec) error {
	subnetID, groupIDs := f.get("SubnetId"), f.list("SecurityGroupId")
	if f.has("NetworkInterface") {
		if subnetID != "" || len(groupIDs) > 0 {
			return clientError("InvalidParameterCombination", "Network interfaces and an instance-level subnet ID or security groups may not be specified on the same request")
		}
		subnetID, groupIDs = f.get("NetworkInterface.1.SubnetId"), f.list("NetworkInterface.1.SecurityGroupId")
	}
	if subnetID == "" {
		subnetID = defaultSubnet
	}
	sub, ok := s.subnets[subnetID]
	if !ok {
		return clientError("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", subnetID)
	}
	sp.subnet, sp.public = sub, sub.mapPublicIP
	if v := f.get("NetworkInterface.1.AssociatePublicIpAddress"); v != "" {
		sp.public = v == "true"
	}
	for _, id := range groupIDs {
		g, ok := s.groups[id]
		if !ok || g.vpcID != sub.vpcID {
			return clientError("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", id, sub.vpcID)
		}
		sp.groups = append(sp.groups, groupItem{g.id, g.name})
	}
	if len(sp.groups) == 0 {
		sp.groups = []groupItem{s.defaultGroup(sub.vpcID)}
	}
	return nil
}

func launchTags(f form) []tagItem {
	var tags []tagItem
	for i := 1; f.get(fmt.Sprintf("TagSpecification.%d.ResourceType", i)) != ""; i++ {
		p := fmt.Sprintf("TagSpecification.%d", i)
		if f.get(p+".ResourceType") != "instance" {
			continue
		}
		for j := 1; f.get(fmt.Sprintf("%s.Tag.%d.Key", p, j)) != ""; j++ {
			k := fmt.Sprintf("%s.Tag.%d", p, j)
			tags = append(tags, tagItem{f.get(k + ".Key"), f.get(k + ".Value")})
		}
	}
	return tags
}

func (s *Server) describeSecurityGroups(f form) (any, error) {
	ids, names, filters := f.list("GroupId"), f.list("GroupName"), f.filters()
	out := &describeSecurityGroupsResponse{}
	for _, g := range s.groups {
		if (len(ids) > 0 && !matchAny(g.id, ids)) || (len(names) > 0 && !matchAny(g.name, names)) {
			continue
		}
		if v, ok := filters["group-name"]; ok && !matchAny(g.name, v) {
			continue
		}
		if v, ok := filters["vpc-id"]; ok && !matchAny(g.vpcID, v) {
			continue
		}
		out.Groups = append(out.Groups, securityGroupXML{
			OwnerID: s.opts.AccountID, GroupID: g.id, GroupName: g.name, Description: g.description,
			VpcID: g.vpcID, Ingress: append([]ipPermissionXML(nil), g.ingress...),
		})
	}
	if len(ids) > 0 && len(out.Groups) == 0 {
		return nil, clientError("InvalidGroup.NotFound", "The security group '%s' does not exist", ids[0])
	}
	sort.Slice(out.Groups, func(i, j int) bool { return out.Groups[i].GroupID < out.Groups[j].GroupID })
	return out, nil
}

func (s *Server) createSecurityGroup(f form) (any, error) {
	name, desc, vpc := f.get("GroupName"), f.get("GroupDescription"), f.get("VpcId")
	if name == "" || desc == "" {
		return nil, clientError("MissingParameter", "The request must contain the parameters GroupName and GroupDescription")
	}
	if vpc == "" {
		vpc = defaultVPC
	}
	if vpc != defaultVPC {
		return nil, clientError("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpc)
	}
	for _, g := range s.groups {
		if g.vpcID == vpc && g.name == name {
			return nil, clientError("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, vpc)
		}
	}
	id := s.newID("sg")
	s.groups[id] = &group{id: id, name: name, description: desc, vpcID: vpc}
	return &createSecurityGroupResponse{Return: true, GroupID: id}, nil
}

func (s *Server) authorizeSecurityGroupIngress(f form) (any, error) {
	g, ok := s.groups[f.get("GroupId")]
	if !ok {
		return nil, clientError("InvalidGroup.NotFound", "The security group '%s' does not exist", f.get("GroupId"))
	}
	var add []ipPermissionXML
	for i := 1; f.get(fmt.Sprintf("IpPermissions.%d.IpProtocol", i)) != ""; i++ {
		p := fmt.Sprintf("IpPermissions.%d", i)
		from, _ := strconv.Atoi(f.get(p + ".FromPort"))
		to, _ := strconv.Atoi(f.get(p + ".ToPort"))
		for j := 1; f.get(fmt.Sprintf("%s.IpRanges.%d.CidrIp", p, j)) != ""; j++ {
			cidr := f.get(fmt.Sprintf("%s.IpRanges.%d.CidrIp", p, j))
			rule := ipPermissionXML{Protocol: f.get(p + ".IpProtocol"), FromPort: from, ToPort: to, Ranges: []ipRangeXML{{cidr}}}
			for _, have := range g.ingress {
				if have.Protocol == rule.Protocol && have.FromPort == from && have.ToPort == to && have.Ranges[0] == rule.Ranges[0] {
					return nil, clientError("InvalidPermission.Duplicate", "the specified rule \"peer: %s, %s, from port: %d, to port: %d, ALLOW\" already exists", cidr, rule.Protocol, from, to)
				}
			}
			add = append(add, rule)
		}
	}
	g.ingress = append(g.ingress, add...)
	return &returnResponse{Return: true}, nil
}

func (s *Server) describeSubnets(f form) (any, error) {
	out := &describeSubnetsResponse{}
	ids := f.list("SubnetId")
	for _, id := range ids {
		if s.subnets[id] == nil {
			return nil, clientError("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
		}
	}
	for _, sub := range s.subnets {
		if len(ids) == 0 || matchAny(sub.id, ids) {
			out.Subnets = append(out.Subnets, subnetXML{sub.id, sub.vpcID, sub.zone, sub.cidr, "available", sub.id == defaultSubnet, sub.mapPublicIP})
		}
	}
	return out, nil
}

func (s *Server) addressOf(instanceID string) *address {
	for _, a := range s.addresses {
		if a.instanceID == instanceID {
			return a
		}
	}
	return nil
}

func (s *Server) allocateAddress(f form) (any, error) {
	if d := f.get("Domain"); d != "" && d != "vpc" {
		return nil, clientError("InvalidParameterValue", "Invalid value '%s' for domain.", d)
	}
	a := &address{allocationID: s.newID("eipalloc"), publicIP: s.newPublicIP()}
	s.addresses[a.allocationID] = a
	return &allocateAddressResponse{PublicIP: a.publicIP, AllocationID: a.allocationID, Domain: "vpc"}, nil
}

func (s *Server) associateAddress(f form) (any, error) {
	a, ok := s.addresses[f.get("AllocationId")]
	if !ok {
		return nil, clientError("InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist", f.get("AllocationId"))
	}
	ins, err := s.lookup([]string{f.get("InstanceId")})
	if err != nil {
		return nil, err
	}
	in := ins[0]
	if in.state != stateRunning && in.state != stateStopped {
		return nil, clientError("IncorrectInstanceState", "The instance '%s' is not in a valid state for this operation.", in.id)
	}
	if old := s.addressOf(in.id); old != nil && old != a {
		old.instanceID, old.associationID = "", ""
	}
	if a.instanceID != in.id {
		a.instanceID, a.associationID = in.id, s.newID("eipassoc")
	}
	in.publicIP = a.publicIP
	return &associateAddressResponse{Return: true, AssociationID: a.associationID}, nil
}

func (s *Server) disassociateAddress(f form) (any, error) {
	id := f.get("AssociationId")
	for _, a := range s.addresses {
		if a.associationID == id && id != "" {
			if in := s.instances[a.instanceID]; in != nil {
				in.publicIP = ""
			}
			a.instanceID, a.associationID = "", ""
			return &returnResponse{Return: true}, nil
		}
	}
	return nil, clientError("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
}

func (s *Server) releaseAddress(f form) (any, error) {
	a, ok := s.addresses[f.get("AllocationId")]
	if !ok {
		return nil, clientError("InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist", f.get("AllocationId"))
	}
	if a.associationID != "" {
		return nil, clientError("InvalidIPAddress.InUse", "Address %s is in use.", a.publicIP)
	}
	delete(s.addresses, a.allocationID)
	return &returnResponse{Return: true}, nil
}

func (s *Server) describeAddresses(f form) (any, error) {
	filters := f.filters()
	out := &describeAddressesResponse{}
	for _, a := range s.addresses {
		if v, ok := filters["public-ip"]; ok && !matchAny(a.publicIP, v) {
			continue
		}
		if v, ok := filters["instance-id"]; ok && !matchAny(a.instanceID, v) {
			continue
		}
		if v := f.list("AllocationId"); len(v) > 0 && !matchAny(a.allocationID, v) {
			continue
		}
		if v := f.list("PublicIp"); len(v) > 0 && !matchAny(a.publicIP, v) {
			continue
		}
		out.Addresses = append(out.Addresses, addressXML{a.publicIP, a.allocationID, "vpc", a.instanceID, a.associationID})
	}
	if v := f.list("PublicIp"); len(v) > 0 && len(out.Addresses) == 0 {
		return nil, clientError("InvalidAddress.NotFound", "Address '%s' not found.", v[0])
	}
	return out, nil
}

func (s *Server) describeVpcs(f form) (any, error) {
	if v, ok := f.filters()["is-default"]; ok && !matchAny("true", v) {
		return &describeVpcsResponse{}, nil
	}
	return &describeVpcsResponse{Vpcs: []vpcXML{{defaultVPC, "172.31.0.0/16", "available", true}}}, nil
}
