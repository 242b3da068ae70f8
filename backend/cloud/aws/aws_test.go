package aws

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

// canary is the connection's secret key and session token: no error may
// ever show it.
const (
	canary    = "CANARY-s3cr3t-7f1d9a"
	accessKey = "AKIAFAKE0000000LAB"
	image     = "ami-0a1b2c3d4e5f60001"
)

// clock is the fake's time, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	p     *Provider
	fake  *ec2fake.Server
	clock *clock
	cfg   Config
}

// setup starts a fake EC2 whose instances take a minute to boot, stop and
// terminate, and a Provider for connection "lab" signed with the canary.
func setup(t testing.TB, mutate ...func(*Config)) *env {
	t.Helper()
	return setupWith(t, ec2fake.Options{}, mutate...)
}

// setupWith is setup with more of the fake's options.
func setupWith(t testing.TB, opts ec2fake.Options, mutate ...func(*Config)) *env {
	t.Helper()
	clk := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	opts.AccessKeyID, opts.Clock = accessKey, clk.Now
	opts.BootTime, opts.StopTime, opts.TerminateTime = time.Minute, time.Minute, time.Minute
	fake := ec2fake.New(opts)
	t.Cleanup(fake.Close)
	cfg := Config{
		Connection: "lab", Region: "us-east-1",
		AccessKeyID: accessKey, SecretAccessKey: canary, SessionToken: canary + "-session",
		Endpoint: fake.URL, HTTPClient: fake.Client(), RetryMaxBackoff: time.Millisecond,
	}
	for _, m := range mutate {
		m(&cfg)
	}
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{p: p, fake: fake, clock: clk, cfg: cfg}
}

func spec(name, token string) cloud.CreateSpec {
	return cloud.CreateSpec{
		Name: name, Token: token, Image: image, Flavor: "t3.micro", SSHFrom: "203.0.113.7/32",
		Tags: map[string]string{"group": "lab", "owner": "ann", "project": "mesh"},
	}
}

func TestListReturnsEveryPage(t *testing.T) {
	e := setup(t)
	seeded := e.fake.Seed(1234)
	vms, err := e.p.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, vm := range vms {
		got[vm.ID] = true
	}
	for _, id := range seeded {
		if !got[id] {
			t.Fatalf("List missed %s", id)
		}
	}
	if len(vms) != 1234 || len(got) != 1234 {
		t.Fatalf("List returned %d VMs (%d distinct), want 1234", len(vms), len(got))
	}
	if n := e.fake.Calls("DescribeInstances"); n != 2 {
		t.Errorf("DescribeInstances called %d times, want 2 pages of at most 1000", n)
	}
}

func TestCreateReportsTheInstanceAsLaunched(t *testing.T) {
	e := setup(t)
	vm, err := e.p.Create(context.Background(), spec("ann-lab-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	if vm.Name != "ann-lab-1" || vm.Token != "tok-1" || vm.State != model.VMPending || vm.CloudState != "pending" ||
		vm.Flavor != "t3.micro" || vm.Image != image || vm.Region != "us-east-1" || vm.Zone != "us-east-1a" || vm.Connection != "lab" {
		t.Errorf("created VM = %+v", vm)
	}
	if vm.Tags["owner"] != "ann" || vm.Tags[TagToken] != "tok-1" || len(vm.PrivateIPs) != 1 || vm.LaunchedAt.IsZero() {
		t.Errorf("created VM tags/IPs/launch = %v %v %v", vm.Tags, vm.PrivateIPs, vm.LaunchedAt)
	}
	if !strings.Contains(vm.Details["security_groups"], "("+SSHGroup+")") {
		t.Errorf("security groups = %q, want the %s group", vm.Details["security_groups"], SSHGroup)
	}
}

func TestCreateTwiceWithOneTokenMakesOneInstance(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	first, err := e.p.Create(ctx, spec("ann-lab-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.p.Create(ctx, spec("ann-lab-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	if first.ID != second.ID {
		t.Errorf("second create made %s, want the first's %s", second.ID, first.ID)
	}
	if vms, _ := e.p.List(ctx); len(vms) != 1 {
		t.Errorf("%d instances exist, want 1", len(vms))
	}
}

func TestCreateWithATokenReusedForOtherParametersIsAConflict(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	if _, err := e.p.Create(ctx, spec("ann-lab-1", "tok-1")); err != nil {
		t.Fatal(err)
	}
	other := spec("ann-lab-1", "tok-1")
	other.Flavor = "t3.large"
	_, err := e.p.Create(ctx, other)
	if !errors.Is(err, model.ErrConflict) || cloud.Code(err) != "IdempotentParameterMismatch" {
		t.Fatalf("err = %v, want a conflict with EC2's IdempotentParameterMismatch", err)
	}
	want := `aws connection "lab": create ann-lab-1: IdempotentParameterMismatch: Arguments on this idempotent request are inconsistent with arguments used in previous request(s).`
	if err.Error() != want {
		t.Errorf("err reads\n%s\nwant\n%s", err, want)
	}
}

func TestCreateWhoseResponseWasLostMakesOneInstance(t *testing.T) {
	t.Run("the SDK retries", func(t *testing.T) {
		e := setup(t)
		e.fake.LoseResponses("RunInstances", 1)
		vm, err := e.p.Create(context.Background(), spec("ann-lab-1", "tok-1"))
		if err != nil {
			t.Fatal(err)
		}
		vms, _ := e.p.List(context.Background())
		if len(vms) != 1 || vms[0].ID != vm.ID || e.fake.Calls("RunInstances") != 2 {
			t.Errorf("after a lost response and a retry: %d instances, %d RunInstances calls; want 1 and 2", len(vms), e.fake.Calls("RunInstances"))
		}
	})
	t.Run("the caller retries after the SDK gave up", func(t *testing.T) {
		e := setup(t)
		e.fake.LoseResponses("RunInstances", defaultAttempts)
		_, err := e.p.Create(context.Background(), spec("ann-lab-1", "tok-1"))
		if !errors.Is(err, model.ErrUnavailable) || !strings.HasPrefix(err.Error(), `aws connection "lab": create ann-lab-1: cannot reach EC2: `) {
			t.Fatalf("err = %v, want unavailable: cannot reach EC2", err)
		}
		vm, err := e.p.Create(context.Background(), spec("ann-lab-1", "tok-1"))
		if err != nil {
			t.Fatal(err)
		}
		vms, _ := e.p.List(context.Background())
		if len(vms) != 1 || vms[0].ID != vm.ID || e.fake.Calls("RunInstances") != defaultAttempts+1 {
			t.Errorf("after %d lost responses and a second create: %d instances, %d calls; want 1 (%s)", defaultAttempts, len(vms), e.fake.Calls("RunInstances"), vm.ID)
		}
	})
}

func TestThrottlingIsRetriedByTheSDK(t *testing.T) {
	e := setup(t)
	e.fake.Seed(3)
	e.fake.Throttle(3)
	vms, err := e.p.List(context.Background())
	if err != nil || len(vms) != 3 {
		t.Fatalf("List after 3 throttled calls = %d VMs, %v", len(vms), err)
	}
	if n := e.fake.Calls("DescribeInstances"); n != 4 {
		t.Errorf("DescribeInstances called %d times, want 3 throttled + 1", n)
	}

	e.fake.Throttle(100)
	_, err = e.p.List(context.Background())
	want := `aws connection "lab": list: RequestLimitExceeded: Request limit exceeded.`
	if !errors.Is(err, model.ErrUnavailable) || err == nil || err.Error() != want {
		t.Fatalf("err = %v, want unavailable:\n%s", err, want)
	}
	if n := e.fake.Calls("DescribeInstances"); n != 4+defaultAttempts {
		t.Errorf("DescribeInstances called %d times, want %d more attempts", n-4, defaultAttempts)
	}
}

func TestErrorsReadAsTheCloudSaidThem(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	vm, err := e.p.Create(ctx, spec("ann-lab-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		do   func() error
		is   error
		want string
	}{
		{
			"get unknown", func() error { _, err := e.p.Get(ctx, "i-0000000000000dead"); return err }, model.ErrNotFound,
			`aws connection "lab": get i-0000000000000dead: InvalidInstanceID.NotFound: The instance ID 'i-0000000000000dead' does not exist`,
		},
		{
			"get malformed", func() error { _, err := e.p.Get(ctx, "vm-1"); return err }, model.ErrNotFound,
			`aws connection "lab": get vm-1: InvalidInstanceID.Malformed: Invalid id: "vm-1"`,
		},
		{
			"stop pending", func() error { return e.p.Stop(ctx, vm.ID) }, model.ErrConflict,
			`aws connection "lab": stop ` + vm.ID + `: IncorrectInstanceState: The instance '` + vm.ID + `' is not in a state from which it can be stopped.`,
		},
		{
			"resize pending", func() error { return e.p.Resize(ctx, vm.ID, "t3.large") }, model.ErrConflict,
			`aws connection "lab": resize ` + vm.ID + ` to t3.large: the instance is pending: EC2 changes the type only of a stopped instance; stop it first`,
		},
		{
			"reboot pending", func() error { return e.p.Reboot(ctx, vm.ID) }, model.ErrConflict,
			`aws connection "lab": reboot ` + vm.ID + `: IncorrectInstanceState: The instance '` + vm.ID + `' is not in a state from which it can be rebooted.`,
		},
		{
			"unknown image", func() error {
				s := spec("x", "tok-2")
				s.Image = "ami-00000000000000000"
				_, err := e.p.Create(ctx, s)
				return err
			}, model.ErrInvalid,
			`aws connection "lab": create x: InvalidAMIID.NotFound: The image id '[ami-00000000000000000]' does not exist`,
		},
		{
			"no token", func() error { _, err := e.p.Create(ctx, spec("x", "")); return err }, model.ErrInvalid,
			`aws connection "lab": create x: an idempotency token of 1 to 64 characters is required`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.do()
			if !errors.Is(err, c.is) {
				t.Errorf("err = %v, want it to match %v", err, c.is)
			}
			if err == nil || err.Error() != c.want {
				t.Errorf("err reads\n%v\nwant\n%s", err, c.want)
			}
		})
	}
}

func TestLifecycleFollowsEC2States(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	vm, err := e.p.Create(ctx, spec("ann-lab-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	state := func(want model.VMState) {
		t.Helper()
		got, err := e.p.Get(ctx, vm.ID)
		if err != nil || got.State != want {
			t.Fatalf("state = %q (%v), want %q", got.State, err, want)
		}
	}
	step := func(do func(context.Context, string) error, during, after model.VMState) {
		t.Helper()
		if err := do(ctx, vm.ID); err != nil {
			t.Fatal(err)
		}
		state(during)
		e.clock.Add(time.Minute)
		state(after)
	}
	state(model.VMPending)
	e.clock.Add(time.Minute)
	state(model.VMRunning)
	got, _ := e.p.Get(ctx, vm.ID)
	if len(got.PublicIPs) != 1 {
		t.Errorf("a running instance in the default subnet has public IPs %v, want one", got.PublicIPs)
	}
	step(e.p.Stop, model.VMStopping, model.VMStopped)
	if got, _ := e.p.Get(ctx, vm.ID); len(got.PublicIPs) != 0 || got.Details["state_reason"] == "" {
		t.Errorf("a stopped instance has public IPs %v and state reason %q; want none and EC2's", got.PublicIPs, got.Details["state_reason"])
	}
	if err := e.p.Resize(ctx, vm.ID, "t3.large"); err != nil {
		t.Fatal(err)
	}
	step(e.p.Start, model.VMPending, model.VMRunning)
	if got, _ := e.p.Get(ctx, vm.ID); got.Flavor != "t3.large" {
		t.Errorf("flavor after resize = %q", got.Flavor)
	}
	if err := e.p.Reboot(ctx, vm.ID); err != nil {
		t.Fatal(err)
	}
	step(e.p.Destroy, model.VMDeleting, model.VMDeleted)
	if err := e.p.Destroy(ctx, vm.ID); err != nil {
		t.Errorf("destroying a terminated instance: %v", err)
	}
	e.clock.Add(time.Hour)
	if _, err := e.p.Get(ctx, vm.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("an hour after termination Get = %v, want not found", err)
	}
	if err := e.p.Destroy(ctx, vm.ID); err != nil {
		t.Errorf("destroying an instance EC2 forgot: %v", err)
	}
}

func TestSuspendNeedsHibernationConfiguredAtLaunch(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	plain, err := e.p.Create(ctx, spec("ann-lab-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	hib := spec("ann-lab-2", "tok-2")
	hib.Hibernate = true
	made, err := e.p.Create(ctx, hib)
	if err != nil {
		t.Fatal(err)
	}
	ready := made.ID
	e.clock.Add(time.Minute)

	err = e.p.Suspend(ctx, plain.ID)
	if !errors.Is(err, cloud.ErrNotSupported) || !strings.Contains(err.Error(), "suspend "+plain.ID+": not supported by this instance: it was launched without hibernation configured") {
		t.Errorf("suspend without hibernation = %v, want not supported, saying why", err)
	}
	if got, _ := e.p.Get(ctx, plain.ID); got.State != model.VMRunning {
		t.Errorf("a refused suspend left the instance %q", got.State)
	}

	if err := e.p.Suspend(ctx, ready); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(time.Minute)
	got, _ := e.p.Get(ctx, ready)
	if got.State != model.VMSuspended || got.CloudState != "stopped" {
		t.Errorf("hibernated instance: state %q, cloud state %q; want suspended, stopped", got.State, got.CloudState)
	}
	if err := e.p.Resume(ctx, ready); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.p.Get(ctx, ready); got.State != model.VMPending {
		t.Errorf("resumed instance state %q, want pending", got.State)
	}
}

func TestStateMapping(t *testing.T) {
	cases := []struct {
		code   int32
		reason string
		want   model.VMState
	}{
		{0, "", model.VMPending},
		{16, "", model.VMRunning},
		{32, "", model.VMDeleting},
		{48, "", model.VMDeleted},
		{64, "", model.VMStopping},
		{80, "Client.UserInitiatedShutdown", model.VMStopped},
		{80, hibernatedReason, model.VMSuspended},
		{64, hibernatedReason, model.VMStopping},
		{256 + 16, "", model.VMRunning}, // the high byte is EC2's own
		{17, "", model.VMUnknown},
	}
	for _, c := range cases {
		t.Run(fmt.Sprint(c.code, c.reason), func(t *testing.T) {
			if got := vmState(c.code, c.reason); got != c.want {
				t.Errorf("vmState(%d, %q) = %q, want %q", c.code, c.reason, got, c.want)
			}
		})
	}
}

// The VMs of one request share their security group: it is looked up for
// the first and remembered, not asked again for each VM; a spec that asks
// for another group is looked up afresh.
func TestCreatesOfOneProviderLookUpTheirGroupOnce(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	for i, name := range []string{"g-1", "g-2", "g-3"} {
		if _, err := e.p.Create(ctx, spec(name, "tok-g-"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.fake.Calls("DescribeSecurityGroups"); n != 1 {
		t.Errorf("DescribeSecurityGroups called %d times for 3 VMs, want 1", n)
	}
	other := spec("g-4", "tok-g-4")
	other.SSHFrom = "198.51.100.0/24"
	if _, err := e.p.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Calls("AuthorizeSecurityGroupIngress"); n != 2 {
		t.Errorf("SSH opened %d times, want once for each address", n)
	}
}
