package ec2fake

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

type image struct {
	ID, Name, Owner, Alias, Platform, Description, Created string
}

type instanceType struct {
	Name        string
	VCPUs, MiB  int
	Hibernation bool
}

type keyPair struct {
	name, id, fingerprint string
}

// seedCatalog adds images owned by Amazon and by the account, and the
// instance types the tests launch.
func (s *Server) seedCatalog() {
	s.images = []image{
		{ID: "ami-0a1b2c3d4e5f60001", Name: "al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64", Owner: "137112412989", Alias: "amazon", Description: "Amazon Linux 2023 AMI", Created: "2025-01-01T00:00:00.000Z"},
		{ID: "ami-0a1b2c3d4e5f60002", Name: "Windows_Server-2022-English-Full-Base-2025.01.01", Owner: "801119661308", Alias: "amazon", Platform: "windows", Description: "Microsoft Windows Server 2022", Created: "2025-01-02T00:00:00.000Z"},
		{ID: "ami-0a1b2c3d4e5f60003", Name: "amzn-ami-vpc-nat-2018.03.0.20181116-x86_64-ebs", Owner: "137112412989", Alias: "amazon", Description: "Amazon Linux AMI VPC NAT", Created: "2018-11-16T00:00:00.000Z"},
		{ID: "ami-0a1b2c3d4e5f60004", Name: "lab-golden-2026-01", Owner: s.opts.AccountID, Description: "our lab image", Created: "2026-01-05T00:00:00.000Z"},
		{ID: "ami-0a1b2c3d4e5f60005", Name: "someone-elses-image", Owner: "999999999999", Description: "a public community image", Created: "2024-06-01T00:00:00.000Z"},
	}
	s.types = []instanceType{
		{"c5.large", 2, 4096, true},
		{"m1.small", 1, 1740, false},
		{"m5.large", 2, 8192, true},
		{"t2.micro", 1, 1024, true},
		{"t3.large", 2, 8192, true},
		{"t3.micro", 2, 1024, true},
		{"t3.small", 2, 2048, true},
		{"t4g.nano", 2, 512, false},
	}
}

func (s *Server) knownImage(id string) bool {
	for _, im := range s.images {
		if im.ID == id {
			return true
		}
	}
	return false
}

func (s *Server) knownType(name string) bool {
	for _, t := range s.types {
		if t.Name == name {
			return true
		}
	}
	return false
}

func (s *Server) describeImages(f form) (any, error) {
	max, err := f.maxResults(5, 1000)
	if err != nil {
		return nil, err
	}
	owners, filters := f.list("Owner"), f.filters()
	var sel []image
	for _, im := range s.images {
		if len(owners) > 0 && !s.ownedBy(im, owners) {
			continue
		}
		if v, ok := filters["name"]; ok && !matchAny(im.Name, v) {
			continue
		}
		if v, ok := filters["state"]; ok && !matchAny("available", v) {
			continue
		}
		sel = append(sel, im)
	}
	sort.Slice(sel, func(i, j int) bool { return sel[i].ID < sel[j].ID })
	pg, next, err := page(sel, func(im image) string { return im.ID }, f.get("NextToken"), max)
	if err != nil {
		return nil, err
	}
	out := &describeImagesResponse{NextToken: next}
	for _, im := range pg {
		out.Images = append(out.Images, imageXML{
			ImageID: im.ID, Location: im.Alias + "/" + im.Name, State: "available", OwnerID: im.Owner, OwnerAlias: im.Alias,
			CreationDate: im.Created, Public: im.Owner != s.opts.AccountID, Architecture: "x86_64", ImageType: "machine",
			Platform: im.Platform, Details: map[bool]string{true: "Windows", false: "Linux/UNIX"}[im.Platform == "windows"],
			Name: im.Name, Description: im.Description, RootDevice: "ebs",
		})
	}
	return out, nil
}

// ownedBy matches DescribeImages' Owner values: account ids, "self" and
// the aliases "amazon" and "aws-marketplace".
func (s *Server) ownedBy(im image, owners []string) bool {
	for _, o := range owners {
		if o == im.Owner || (o == "self" && im.Owner == s.opts.AccountID) || (o != "" && o == im.Alias) {
			return true
		}
	}
	return false
}

func (s *Server) describeInstanceTypes(f form) (any, error) {
	max, err := f.maxResults(5, 100)
	if err != nil {
		return nil, err
	}
	names := f.list("InstanceType")
	var sel []instanceType
	for _, t := range s.types {
		if len(names) == 0 || matchAny(t.Name, names) {
			sel = append(sel, t)
		}
	}
	pg, next, err := page(sel, func(t instanceType) string { return t.Name }, f.get("NextToken"), max)
	if err != nil {
		return nil, err
	}
	out := &describeInstanceTypesResponse{NextToken: next}
	for _, t := range pg {
		out.Types = append(out.Types, instanceTypeXML{t.Name, t.VCPUs, t.MiB, t.Hibernation})
	}
	return out, nil
}

func (s *Server) importKeyPair(f form) (any, error) {
	name := f.get("KeyName")
	material, err := base64.StdEncoding.DecodeString(f.get("PublicKeyMaterial"))
	if name == "" || err != nil || !strings.HasPrefix(string(material), "ssh-") {
		return nil, clientError("InvalidKey.Format", "Key is not in valid OpenSSH public key format")
	}
	if _, ok := s.keys[name]; ok {
		return nil, clientError("InvalidKeyPair.Duplicate", "The keypair '%s' already exists.", name)
	}
	sum := md5.Sum(material)
	k := &keyPair{name: name, id: s.newID("key"), fingerprint: fmt.Sprintf("%x", sum)}
	s.keys[name] = k
	return &importKeyPairResponse{KeyName: k.name, Fingerprint: k.fingerprint, KeyPairID: k.id}, nil
}

func (s *Server) describeRegions(form) (any, error) {
	return &describeRegionsResponse{Regions: []regionXML{{s.opts.Region, "ec2." + s.opts.Region + ".amazonaws.com", "opt-in-not-required"}}}, nil
}

// serveSTS answers GetCallerIdentity in the AWS Query protocol of STS,
// whose documents (a Result element, an ErrorResponse) differ from EC2's.
func (s *Server) serveSTS(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	reqID := s.nextRequestID()
	s.calls["GetCallerIdentity"]++
	throttled := s.throttle > 0
	if throttled {
		s.throttle--
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/xml")
	switch {
	case throttled:
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, reqID)
	case !s.authorized(r):
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, reqID)
	default:
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
			`<Arn>arn:aws:iam::%[1]s:user/meshflow</Arn><UserId>AIDAFAKEUSERID</UserId><Account>%[1]s</Account>`+
			`</GetCallerIdentityResult><ResponseMetadata><RequestId>%[2]s</RequestId></ResponseMetadata></GetCallerIdentityResponse>`, s.opts.AccountID, reqID)
	}
}
