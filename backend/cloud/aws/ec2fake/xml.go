package ec2fake

// The response documents, with the element names of the EC2 API reference
// (the ones the SDK's deserializers look for). Each is built as a copy
// under the server's lock and marshalled after it.

const timeFormat = "2006-01-02T15:04:05.000Z"

type stateXML struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type tagItem struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type groupItem struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type reasonXML struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type instanceXML struct {
	InstanceID     string      `xml:"instanceId"`
	ImageID        string      `xml:"imageId"`
	State          stateXML    `xml:"instanceState"`
	PrivateDNSName string      `xml:"privateDnsName"`
	DNSName        string      `xml:"dnsName"`
	Reason         string      `xml:"reason"`
	KeyName        string      `xml:"keyName,omitempty"`
	InstanceType   string      `xml:"instanceType"`
	LaunchTime     string      `xml:"launchTime"`
	Zone           string      `xml:"placement>availabilityZone"`
	Tenancy        string      `xml:"placement>tenancy"`
	SubnetID       string      `xml:"subnetId,omitempty"`
	VpcID          string      `xml:"vpcId,omitempty"`
	PrivateIP      string      `xml:"privateIpAddress,omitempty"`
	PublicIP       string      `xml:"ipAddress,omitempty"`
	Groups         []groupItem `xml:"groupSet>item"`
	StateReason    *reasonXML  `xml:"stateReason,omitempty"`
	Architecture   string      `xml:"architecture"`
	RootDeviceType string      `xml:"rootDeviceType"`
	ClientToken    string      `xml:"clientToken,omitempty"`
	Tags           []tagItem   `xml:"tagSet>item"`
	Hibernation    bool        `xml:"hibernationOptions>configured"`
}

func (in *instance) xml() instanceXML {
	x := instanceXML{
		InstanceID: in.id, ImageID: in.imageID, State: stateXML{stateCodes[in.state], in.state},
		Reason: in.reason, KeyName: in.keyName, InstanceType: in.instanceType,
		LaunchTime: in.launchTime.UTC().Format(timeFormat), Zone: in.zone, Tenancy: "default",
		SubnetID: in.subnetID, VpcID: in.vpcID, PrivateIP: in.privateIP, PublicIP: in.publicIP,
		Groups: append([]groupItem(nil), in.groups...), Architecture: "x86_64", RootDeviceType: "ebs",
		ClientToken: in.clientToken, Tags: append([]tagItem(nil), in.tags...), Hibernation: in.hibernation,
	}
	if in.privateIP != "" {
		x.PrivateDNSName = "ip-" + dashed(in.privateIP) + ".ec2.internal"
	}
	if in.publicIP != "" {
		x.DNSName = "ec2-" + dashed(in.publicIP) + ".compute-1.amazonaws.com"
	}
	if in.reasonCode != "" {
		x.StateReason = &reasonXML{in.reasonCode, in.reasonMessage}
	}
	return x
}

func dashed(ip string) string {
	b := []byte(ip)
	for i, c := range b {
		if c == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}

type reservationXML struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []instanceXML `xml:"instancesSet>item"`
}

type describeInstancesResponse struct {
	reply
	Reservations []reservationXML `xml:"reservationSet>item"`
	NextToken    string           `xml:"nextToken,omitempty"`
}

type runInstancesResponse struct {
	reply
	reservationXML
}

type stateChangeXML struct {
	InstanceID string   `xml:"instanceId"`
	Current    stateXML `xml:"currentState"`
	Previous   stateXML `xml:"previousState"`
}

type stateChangeResponse struct {
	reply
	Instances []stateChangeXML `xml:"instancesSet>item"`
}

type returnResponse struct {
	reply
	Return bool `xml:"return"`
}

type consoleOutputResponse struct {
	reply
	InstanceID string `xml:"instanceId"`
	Timestamp  string `xml:"timestamp"`
	Output     string `xml:"output,omitempty"`
}

type ipRangeXML struct {
	CidrIP string `xml:"cidrIp"`
}

type ipPermissionXML struct {
	Protocol string       `xml:"ipProtocol"`
	FromPort int          `xml:"fromPort"`
	ToPort   int          `xml:"toPort"`
	Ranges   []ipRangeXML `xml:"ipRanges>item"`
}

type securityGroupXML struct {
	OwnerID     string            `xml:"ownerId"`
	GroupID     string            `xml:"groupId"`
	GroupName   string            `xml:"groupName"`
	Description string            `xml:"groupDescription"`
	VpcID       string            `xml:"vpcId"`
	Ingress     []ipPermissionXML `xml:"ipPermissions>item"`
}

type describeSecurityGroupsResponse struct {
	reply
	Groups []securityGroupXML `xml:"securityGroupInfo>item"`
}

type createSecurityGroupResponse struct {
	reply
	Return  bool   `xml:"return"`
	GroupID string `xml:"groupId"`
}

type subnetXML struct {
	SubnetID     string `xml:"subnetId"`
	VpcID        string `xml:"vpcId"`
	Zone         string `xml:"availabilityZone"`
	CidrBlock    string `xml:"cidrBlock"`
	State        string `xml:"state"`
	DefaultForAz bool   `xml:"defaultForAz"`
	MapPublicIP  bool   `xml:"mapPublicIpOnLaunch"`
}

type describeSubnetsResponse struct {
	reply
	Subnets []subnetXML `xml:"subnetSet>item"`
}

type addressXML struct {
	PublicIP      string `xml:"publicIp"`
	AllocationID  string `xml:"allocationId"`
	Domain        string `xml:"domain"`
	InstanceID    string `xml:"instanceId,omitempty"`
	AssociationID string `xml:"associationId,omitempty"`
}

type allocateAddressResponse struct {
	reply
	PublicIP     string `xml:"publicIp"`
	AllocationID string `xml:"allocationId"`
	Domain       string `xml:"domain"`
}

type associateAddressResponse struct {
	reply
	Return        bool   `xml:"return"`
	AssociationID string `xml:"associationId"`
}

type describeAddressesResponse struct {
	reply
	Addresses []addressXML `xml:"addressesSet>item"`
}

type importKeyPairResponse struct {
	reply
	KeyName     string `xml:"keyName"`
	Fingerprint string `xml:"keyFingerprint"`
	KeyPairID   string `xml:"keyPairId"`
}

type imageXML struct {
	ImageID      string `xml:"imageId"`
	Location     string `xml:"imageLocation"`
	State        string `xml:"imageState"`
	OwnerID      string `xml:"imageOwnerId"`
	OwnerAlias   string `xml:"imageOwnerAlias,omitempty"`
	CreationDate string `xml:"creationDate"`
	Public       bool   `xml:"isPublic"`
	Architecture string `xml:"architecture"`
	ImageType    string `xml:"imageType"`
	Platform     string `xml:"platform,omitempty"`
	Details      string `xml:"platformDetails"`
	Name         string `xml:"name"`
	Description  string `xml:"description"`
	RootDevice   string `xml:"rootDeviceType"`
}

type describeImagesResponse struct {
	reply
	Images    []imageXML `xml:"imagesSet>item"`
	NextToken string     `xml:"nextToken,omitempty"`
}

type instanceTypeXML struct {
	InstanceType string `xml:"instanceType"`
	VCPUs        int    `xml:"vCpuInfo>defaultVCpus"`
	MemoryMiB    int    `xml:"memoryInfo>sizeInMiB"`
	Hibernation  bool   `xml:"hibernationSupported"`
}

type describeInstanceTypesResponse struct {
	reply
	Types     []instanceTypeXML `xml:"instanceTypeSet>item"`
	NextToken string            `xml:"nextToken,omitempty"`
}

type regionXML struct {
	Name     string `xml:"regionName"`
	Endpoint string `xml:"regionEndpoint"`
	OptIn    string `xml:"optInStatus"`
}

type describeRegionsResponse struct {
	reply
	Regions []regionXML `xml:"regionInfo>item"`
}

type vpcXML struct {
	VpcID     string `xml:"vpcId"`
	CidrBlock string `xml:"cidrBlock"`
	State     string `xml:"state"`
	IsDefault bool   `xml:"isDefault"`
}

type describeVpcsResponse struct {
	reply
	Vpcs []vpcXML `xml:"vpcSet>item"`
}
