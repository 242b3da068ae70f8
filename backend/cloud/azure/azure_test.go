package azure_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	sdkfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/azure"
	"github.com/meshflow/meshflow/backend/cloud/azure/azfake"
	"github.com/meshflow/meshflow/backend/model"
)

const (
	sub    = "00000000-0000-0000-0000-000000000001"
	rg     = "lab-rg"
	canary = "CANARY-client-secret-7f3e"
)

func newProvider(t testing.TB, c *azfake.Cloud) *azure.Provider {
	t.Helper()
	p, err := azure.New(azure.Config{
		Connection: "lab", TenantID: "tenant-1", SubscriptionID: sub, ClientID: "app-1", ClientSecret: canary,
		Location: "westeurope", ResourceGroup: rg,
		Credential: &sdkfake.TokenCredential{},
		ClientOptions: &arm.ClientOptions{ClientOptions: azcore.ClientOptions{
			Transport: c,
			Retry:     policy.RetryOptions{MaxRetries: 3, RetryDelay: time.Millisecond, MaxRetryDelay: 50 * time.Millisecond},
		}},
		PollFrequency: 5 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func spec(name, token string) cloud.CreateSpec {
	return cloud.CreateSpec{
		Name: name, Token: token, PublicIP: true, SSHFrom: "203.0.113.7/32",
		PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBd2Gd8Z test@example", Tags: map[string]string{"owner": "ann"},
	}
}

func TestListReadsEveryPageWithStatesAndAddresses(t *testing.T) {
	c := azfake.New(sub)
	c.Seed(rg, "westeurope", 1234)
	c.SetPageSize(100)
	p := newProvider(t, c)

	vms, err := p.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(vms) != 1234 {
		t.Fatalf("listed %d VMs, want 1234", len(vms))
	}
	if got := c.Calls("VirtualMachinesClient.NewListPager"); got != 13 {
		t.Errorf("VM list pages fetched = %d, want 13", got)
	}
	if got := c.Calls("InterfacesClient.Get") + c.Calls("VirtualMachinesClient.InstanceView"); got != 0 {
		t.Errorf("List made %d per-VM calls, want none", got)
	}
	v := vms[1233]
	if v.Name != "vm-1233" || v.State != model.VMRunning || v.CloudState != "PowerState/running" {
		t.Errorf("last VM = %s %s %s", v.Name, v.State, v.CloudState)
	}
	if len(v.PublicIPs) != 1 || len(v.PrivateIPs) != 1 || v.Flavor != "Standard_B1s" || v.Region != "westeurope" {
		t.Errorf("last VM addresses/flavor/region = %v %v %s %s", v.PublicIPs, v.PrivateIPs, v.Flavor, v.Region)
	}
}

func TestCreateTwiceMakesOneVM(t *testing.T) {
	c := azfake.New(sub)
	c.SetOpDelay(30 * time.Millisecond)
	p := newProvider(t, c)
	ctx := context.Background()

	first, err := p.Create(ctx, spec("lab-ann-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	before := c.Resources()
	second, err := p.Create(ctx, spec("lab-ann-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID || second.Token != "tok-1" {
		t.Errorf("second create = %s (token %q), want %s", second.ID, second.Token, first.ID)
	}
	if after := c.Resources(); !slices.Equal(before, after) {
		t.Errorf("second create changed resources:\n%v\n%v", before, after)
	}
	if first.State != model.VMRunning || len(first.PublicIPs) != 1 || first.Tags["owner"] != "ann" {
		t.Errorf("created VM = %+v", first)
	}
	vms, _ := p.List(ctx)
	if len(vms) != 1 {
		t.Errorf("%d VMs after two creates, want 1", len(vms))
	}

	_, err = p.Create(ctx, spec("lab-ann-1", "someone-else"))
	if !errors.Is(err, model.ErrConflict) {
		t.Errorf("create over a VM made with another token: %v, want a conflict", err)
	}
}

func TestDestroyRemovesWhatCreateMadeAndNothingElse(t *testing.T) {
	c := azfake.New(sub)
	p := newProvider(t, c)
	ctx := context.Background()
	if _, err := p.Create(ctx, spec("keep", "tok-keep")); err != nil {
		t.Fatal(err)
	}
	before := c.Resources()
	vm, err := p.Create(ctx, spec("lab-ann-2", "tok-2"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Resources()) != len(before)+5 {
		t.Fatalf("create made %v", c.Resources())
	}
	if err := p.Destroy(ctx, vm.ID); err != nil {
		t.Fatal(err)
	}
	if after := c.Resources(); !slices.Equal(before, after) {
		t.Errorf("after destroy:\n%v\nwant\n%v", after, before)
	}
	if err := p.Destroy(ctx, vm.ID); err != nil {
		t.Errorf("destroying a VM that is gone: %v", err)
	}
	if _, err := p.Get(ctx, vm.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("get after destroy: %v", err)
	}
}

func TestStatesChangeOverTime(t *testing.T) {
	c := azfake.New(sub)
	p := newProvider(t, c)
	ctx := context.Background()
	vm, err := p.Create(ctx, spec("lab-ann-3", "tok-3"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetOpDelay(80 * time.Millisecond)
	steps := []struct {
		name            string
		act             func(context.Context, string) error
		during, after   model.VMState
		cloudAfterState string
	}{
		{"stop", p.Stop, model.VMStopping, model.VMStopped, "PowerState/stopped"},
		{"start", p.Start, model.VMPending, model.VMRunning, "PowerState/running"},
		{"suspend", p.Suspend, model.VMStopping, model.VMSuspended, "PowerState/deallocated"},
		{"resume", p.Resume, model.VMPending, model.VMRunning, "PowerState/running"},
		{"reboot", p.Reboot, model.VMPending, model.VMRunning, "PowerState/running"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.act(ctx, vm.ID); err != nil {
				t.Fatal(err)
			}
			if got, _ := p.Get(ctx, vm.ID); got.State != s.during {
				t.Errorf("right after %s: %s (%s), want %s", s.name, got.State, got.CloudState, s.during)
			}
			time.Sleep(100 * time.Millisecond)
			if got, _ := p.Get(ctx, vm.ID); got.State != s.after || got.CloudState != s.cloudAfterState {
				t.Errorf("after %s: %s (%s), want %s (%s)", s.name, got.State, got.CloudState, s.after, s.cloudAfterState)
			}
		})
	}
	if err := p.Resize(ctx, vm.ID, "Standard_D2s_v5"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if got, _ := p.Get(ctx, vm.ID); got.Flavor != "Standard_D2s_v5" || got.State != model.VMRunning {
		t.Errorf("after resize: %s %s", got.Flavor, got.State)
	}
}

func TestThrottlingIsRetried(t *testing.T) {
	c := azfake.New(sub)
	c.Seed(rg, "westeurope", 1)
	p := newProvider(t, c)
	vms, _ := p.List(context.Background())

	c.Throttle(2, 5*time.Millisecond)
	before := c.Calls("VirtualMachinesClient.Get")
	if _, err := p.Get(context.Background(), vms[0].ID); err != nil {
		t.Fatalf("get through two 429s: %v", err)
	}
	if got := c.Calls("VirtualMachinesClient.Get") - before; got != 3 {
		t.Errorf("requests = %d, want 3 (two throttled, one served)", got)
	}

	c.Throttle(10, 5*time.Millisecond)
	_, err := p.Get(context.Background(), vms[0].ID)
	if !errors.Is(err, model.ErrUnavailable) || cloud.Code(err) != "TooManyRequests" {
		t.Errorf("get throttled past the retries: %v, want unavailable with TooManyRequests", err)
	}
}

func TestErrorsNameCloudConnectionOperationAndCode(t *testing.T) {
	c := azfake.New(sub)
	p := newProvider(t, c)
	ctx := context.Background()
	vm, err := p.Create(ctx, spec("lab-ann-4", "tok-4"))
	if err != nil {
		t.Fatal(err)
	}
	c.SetOpDelay(time.Second)
	if err := p.Stop(ctx, vm.ID); err != nil {
		t.Fatal(err)
	}
	missing := strings.Replace(vm.ID, "lab-ann-4", "nope", 1)
	var errs []error

	_, err = p.Get(ctx, missing)
	errs = append(errs, err)
	if !errors.Is(err, model.ErrNotFound) || cloud.Code(err) != "ResourceNotFound" {
		t.Errorf("get missing VM: %v", err)
	}
	if want := `azure connection "lab": get nope: ResourceNotFound: The Resource 'Microsoft.Compute/virtualMachines/nope' under resource group 'lab-rg' was not found`; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error text:\n%s\nwant prefix\n%s", err, want)
	}

	go func() { _ = p.Destroy(ctx, vm.ID) }()
	time.Sleep(50 * time.Millisecond)
	err = p.Start(ctx, vm.ID)
	errs = append(errs, err)
	if !errors.Is(err, model.ErrConflict) || cloud.Code(err) != "OperationNotAllowed" || !strings.Contains(err.Error(), "start lab-ann-4") {
		t.Errorf("start a VM being deleted: %v", err)
	}

	_, err = p.Get(ctx, "not-an-id")
	errs = append(errs, err)
	if !errors.Is(err, model.ErrInvalid) {
		t.Errorf("get by a non-id: %v", err)
	}
	_, err = p.Create(ctx, cloud.CreateSpec{Name: "x", Token: "t"})
	errs = append(errs, err)
	if !errors.Is(err, model.ErrInvalid) {
		t.Errorf("create without key: %v", err)
	}
	for _, err := range errs {
		if err != nil && strings.Contains(err.Error(), canary) {
			t.Errorf("the client secret leaked into %q", err)
		}
	}
	who, err := p.Identity(ctx)
	if err != nil || strings.Contains(who, canary) || !strings.Contains(who, "app-1") || !strings.Contains(who, sub) {
		t.Errorf("identity = %q, %v", who, err)
	}
}

func TestServicePrincipalErrorsKeepTheSecret(t *testing.T) {
	c := azfake.New(sub)
	p, err := azure.New(azure.Config{
		Connection: "lab", TenantID: "not a tenant!", SubscriptionID: sub, ClientID: "app-1", ClientSecret: canary, ResourceGroup: rg,
		ClientOptions: &arm.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: c, Retry: policy.RetryOptions{MaxRetries: -1}}},
	})
	if err == nil {
		_, err = p.Identity(context.Background())
	}
	if err == nil || strings.Contains(err.Error(), canary) {
		t.Errorf("a bad tenant: %v", err)
	}
}

func TestPublicIPAssignAndRelease(t *testing.T) {
	c := azfake.New(sub)
	p := newProvider(t, c)
	ctx := context.Background()
	s := spec("lab-ann-5", "tok-5")
	s.PublicIP = false
	vm, err := p.Create(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	ip, err := p.AssignPublicIP(ctx, vm.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get(ctx, vm.ID); !slices.Equal(got.PublicIPs, []string{ip}) {
		t.Errorf("public IPs after assign = %v, want [%s]", got.PublicIPs, ip)
	}
	if err := p.ReleasePublicIP(ctx, vm.ID, ip); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Get(ctx, vm.ID); len(got.PublicIPs) != 0 {
		t.Errorf("public IPs after release = %v", got.PublicIPs)
	}
	for _, r := range c.Resources() {
		if strings.Contains(r, "publicIPAddresses") {
			t.Errorf("released IP still exists: %s", r)
		}
	}
}

func TestFlavorsAndImages(t *testing.T) {
	p := newProvider(t, azfake.New(sub))
	flavors, err := p.Flavors(context.Background())
	if err != nil || len(flavors) == 0 || flavors[0].VCPUs == 0 || flavors[0].MemoryMB == 0 {
		t.Errorf("flavors = %v, %v", flavors, err)
	}
	images, _ := p.Images(context.Background())
	if len(images) == 0 || strings.Count(images[0].ID, ":") != 3 {
		t.Errorf("images = %v", images)
	}
}

func BenchmarkList1000(b *testing.B) {
	c := azfake.New(sub)
	c.Seed(rg, "westeurope", 1000)
	p := newProvider(b, c)
	ctx := context.Background()
	for b.Loop() {
		vms, err := p.List(ctx)
		if err != nil || len(vms) != 1000 {
			b.Fatal(len(vms), err)
		}
	}
}

// A create cut short while Azure still makes the VM (meshflow died, or
// gave up waiting) is finished by the next create with its token: it
// waits for the VM Azure is making, found by its name, rather than PUT
// it again (which Azure refuses while the operation runs): one VM.
func TestCreateCutShortIsFinishedByTheNextCall(t *testing.T) {
	c := azfake.New(sub)
	c.SetOpDelay(200 * time.Millisecond)
	p := newProvider(t, c)
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Create(short, spec("lab-ann-1", "tok-1")); err == nil {
		t.Fatal("a create given 50 ms for a 200 ms operation finished")
	}
	puts := c.Calls("VirtualMachinesClient.BeginCreateOrUpdate") // the PUT and its polls
	vm, err := p.Create(context.Background(), spec("lab-ann-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	if vm.State != model.VMRunning || vm.Token != "tok-1" || len(vm.PublicIPs) != 1 {
		t.Errorf("finished VM = %+v", vm)
	}
	if n := c.Calls("VirtualMachinesClient.BeginCreateOrUpdate") - puts; n != 0 {
		t.Errorf("the next create sent %d PUTs or polls of one, want none", n)
	}
	if vms, _ := p.List(context.Background()); len(vms) != 1 {
		t.Errorf("%d VMs, want 1", len(vms))
	}
}
