package aws

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

func TestIdentity(t *testing.T) {
	ctx := context.Background()
	e := setup(t)
	id, err := e.p.Identity(ctx)
	if err != nil || id != "arn:aws:iam::123456789012:user/meshflow" {
		t.Errorf("Identity = %q, %v", id, err)
	}

	wrong := setup(t, func(c *Config) { c.AccessKeyID = "AKIAWRONGKEY0000000" })
	_, err = wrong.p.Identity(ctx)
	want := `aws connection "lab": identity: InvalidClientTokenId: The security token included in the request is invalid.`
	if !errors.Is(err, model.ErrInvalid) || err == nil || err.Error() != want {
		t.Errorf("Identity with a wrong key = %v, want invalid:\n%s", err, want)
	}
}

func TestNoErrorShowsTheSecret(t *testing.T) {
	ctx := context.Background()
	wrong := setup(t, func(c *Config) { c.AccessKeyID = "AKIAWRONGKEY0000000"; c.RetryMaxAttempts = 2 })
	e := setup(t, func(c *Config) { c.RetryMaxAttempts = 2 })
	vm, err := e.p.Create(ctx, spec("ann-lab-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Fatal("the operation was meant to fail")
		}
		errs = append(errs, err)
	}
	_, err = wrong.p.Identity(ctx)
	collect(err)
	_, err = wrong.p.List(ctx)
	collect(err)
	_, err = wrong.p.Create(ctx, spec("x", "tok-9"))
	collect(err)
	collect(wrong.p.Stop(ctx, vm.ID))
	_, err = e.p.Get(ctx, "i-0000000000000dead")
	collect(err)
	collect(e.p.Stop(ctx, vm.ID))
	collect(e.p.Suspend(ctx, vm.ID))
	e.fake.Throttle(10)
	_, err = e.p.List(ctx)
	collect(err)
	e.fake.Close()
	_, err = e.p.Flavors(ctx)
	collect(err)

	for _, err := range errs {
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(text, canary) {
				t.Errorf("an error shows the secret: %s", text)
			}
		}
	}
	if !strings.Contains(errs[1].Error(), `aws connection "lab": list: AuthFailure: AWS was not able to validate the provided access credentials`) {
		t.Errorf("a refused key reads %q", errs[1])
	}
	if !errors.Is(errs[len(errs)-1], model.ErrUnavailable) {
		t.Errorf("an unreachable endpoint = %v, want unavailable", errs[len(errs)-1])
	}
}

func TestCreateMakesTheSSHGroupOncePerAddress(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	for i, from := range []string{"203.0.113.7/32", "203.0.113.7/32", "198.51.100.9/32"} {
		s := spec(fmt.Sprint("ann-lab-", i), fmt.Sprint("tok-", i))
		s.SSHFrom = from
		if _, err := e.p.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.fake.Calls("CreateSecurityGroup"); n != 1 {
		t.Errorf("CreateSecurityGroup called %d times, want 1", n)
	}
	if n := e.fake.Calls("AuthorizeSecurityGroupIngress"); n != 2 {
		t.Errorf("AuthorizeSecurityGroupIngress called %d times, want once per address", n)
	}
	g, err := e.p.findGroup(ctx, "test", "vpc-0de1a017", SSHGroup)
	if err != nil || g == nil || !opensSSH(g, "203.0.113.7/32") || !opensSSH(g, "198.51.100.9/32") || opensSSH(g, "0.0.0.0/0") {
		t.Errorf("the SSH group = %+v, %v; want port 22 open to both addresses only", g, err)
	}

	s := spec("ann-lab-9", "tok-9")
	s.SSHFrom = ""
	if _, err := e.p.Create(ctx, s); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("create with neither a group nor an address = %v, want invalid", err)
	}
	s.SecurityGroup = "default"
	vm, err := e.p.Create(ctx, s)
	if err != nil || !strings.Contains(vm.Details["security_groups"], "(default)") {
		t.Errorf("create in the group named default: %v, groups %q", err, vm.Details["security_groups"])
	}
}

func TestPublicIPAssignAndRelease(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	id := e.fake.Seed(1)[0]
	ip, err := e.p.AssignPublicIP(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	vm, _ := e.p.Get(ctx, id)
	if len(vm.PublicIPs) != 1 || vm.PublicIPs[0] != ip {
		t.Errorf("after assigning %s the VM has %v", ip, vm.PublicIPs)
	}
	if err := e.p.Stop(ctx, id); err != nil {
		t.Fatal(err)
	}
	if vm, _ := e.p.Get(ctx, id); len(vm.PublicIPs) != 1 || vm.PublicIPs[0] != ip {
		t.Errorf("an Elastic IP stays through a stop; the VM has %v", vm.PublicIPs)
	}
	if err := e.p.ReleasePublicIP(ctx, id, ip); err != nil {
		t.Fatal(err)
	}
	if vm, _ := e.p.Get(ctx, id); len(vm.PublicIPs) != 0 {
		t.Errorf("after release the VM has %v", vm.PublicIPs)
	}
	if err := e.p.ReleasePublicIP(ctx, id, ip); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("releasing twice = %v, want not found", err)
	}

	// A failed association gives the address back.
	if _, err := e.p.AssignPublicIP(ctx, "i-0000000000000dead"); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("assign to an unknown instance = %v", err)
	}
	if e.fake.Calls("ReleaseAddress") != 2 {
		t.Errorf("ReleaseAddress called %d times, want 2: the failed assignment's address released", e.fake.Calls("ReleaseAddress"))
	}
}

func TestCatalog(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	images, err := e.p.Images(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]model.Image{}
	for _, im := range images {
		names[im.Name] = im
	}
	if _, ok := names["lab-golden-2026-01"]; !ok {
		t.Errorf("the account's own image is missing from %v", names)
	}
	if im := names["al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64"]; im.OS != "linux" || im.CreatedAt.IsZero() {
		t.Errorf("Amazon Linux 2023 = %+v", im)
	}
	if names["Windows_Server-2022-English-Full-Base-2025.01.01"].OS != "windows" {
		t.Errorf("Windows image missing or not windows: %v", names)
	}
	if _, ok := names["someone-elses-image"]; ok || len(images) != 3 {
		t.Errorf("images = %d %v, want the account's and Amazon's current ones only", len(images), names)
	}

	flavors, err := e.p.Flavors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(flavors) != 8 || flavors[0].Name != "c5.large" || flavors[0].VCPUs != 2 || flavors[0].MemoryMB != 4096 {
		t.Errorf("flavors = %+v", flavors)
	}
}

func TestImportKeyThenLaunchWithIt(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	const pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb8c0z9x ann@lab"
	if err := e.p.ImportKey(ctx, "ann", pub); err != nil {
		t.Fatal(err)
	}
	if err := e.p.ImportKey(ctx, "ann", pub); !errors.Is(err, model.ErrConflict) || cloud.Code(err) != "InvalidKeyPair.Duplicate" {
		t.Errorf("importing twice = %v, want conflict", err)
	}
	s := spec("ann-lab-1", "tok-1")
	s.KeyName = "ann"
	vm, err := e.p.Create(ctx, s)
	if err != nil || vm.KeyName != "ann" {
		t.Errorf("create with the key: %v, key %q", err, vm.KeyName)
	}
	s.KeyName, s.Token = "bob", "tok-2"
	if _, err := e.p.Create(ctx, s); cloud.Code(err) != "InvalidKeyPair.NotFound" || !errors.Is(err, model.ErrInvalid) {
		t.Errorf("create with an unknown key = %v", err)
	}
}

func TestConsoleOutputIsDecoded(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	id := e.fake.Seed(1)[0]
	e.fake.SetConsoleOutput(id, "cloud-init: ünïcode ok\n")
	out, err := e.p.ConsoleOutput(ctx, id)
	if err != nil || out != "cloud-init: ünïcode ok\n" {
		t.Errorf("console = %q, %v", out, err)
	}
	vm, err := e.p.Create(ctx, spec("ann-lab-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := e.p.ConsoleOutput(ctx, vm.ID); err != nil || out != "" {
		t.Errorf("console of a pending instance = %q, %v; want empty", out, err)
	}
}

func TestIdentityAtAnEndpointWithoutSTS(t *testing.T) {
	e := setupWith(t, ec2fake.Options{NoSTS: true})
	id, err := e.p.Identity(context.Background())
	if err != nil || id != "access key "+accessKey+" at "+e.fake.URL {
		t.Errorf("Identity = %q, %v; want the key id at the endpoint", id, err)
	}
}

func TestCreateWithAPublicAddressInASubnet(t *testing.T) {
	e := setup(t)
	s := spec("ann-lab-1", "tok-1")
	s.PublicIP, s.Network = true, "subnet-0de1a017"
	s.UserData = "#cloud-config\npackages: [htop]\n" // the fake refuses what is not base64
	vm, err := e.p.Create(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(vm.PublicIPs) != 1 || vm.Details["subnet"] != "subnet-0de1a017" || !strings.Contains(vm.Details["security_groups"], SSHGroup) {
		t.Errorf("VM = %+v", vm)
	}
}

func TestAProfileOfTheSharedFiles(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Setenv("AWS_CONFIG_FILE", write("config", "[profile lab]\nregion = eu-west-1\n"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", write("credentials", "[lab]\naws_access_key_id = "+accessKey+"\naws_secret_access_key = "+canary+"\n"))
	p, err := New(context.Background(), Config{Connection: "lab", Profile: "lab", Endpoint: e.fake.URL, HTTPClient: e.fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if id, err := p.Identity(context.Background()); err != nil || !strings.HasPrefix(id, "arn:aws:iam::") {
		t.Errorf("Identity through the profile = %q, %v", id, err)
	}
	if p.region != "eu-west-1" {
		t.Errorf("region = %q, want the profile's", p.region)
	}

	_, err = New(context.Background(), Config{Connection: "lab", Profile: "nobody"})
	if !errors.Is(err, model.ErrInvalid) || strings.Contains(fmt.Sprint(err), canary) || !strings.Contains(err.Error(), `aws connection "lab": load profile nobody`) {
		t.Errorf("an unknown profile = %v", err)
	}
}
