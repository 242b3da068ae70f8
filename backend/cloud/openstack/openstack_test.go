package openstack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/openstack/osfake"
	"github.com/meshflow/meshflow/backend/model"
)

// clock is the fake cloud's time, moved by the test instead of slept.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves time past every action delay of the fake.
func (c *clock) Advance() { c.mu.Lock(); c.t = c.t.Add(time.Minute); c.mu.Unlock() }

func newCloud(t testing.TB) (*osfake.Cloud, *clock) {
	t.Helper()
	fake := osfake.New()
	t.Cleanup(fake.Close)
	clk := &clock{t: time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)}
	fake.SetClock(clk.Now)
	return fake, clk
}

func passwordConfig(fake *osfake.Cloud) Config {
	return Config{
		Connection: "chi", AuthURL: fake.AuthURL(), Region: osfake.Region,
		Username: osfake.Username, Password: osfake.Password, UserDomainName: osfake.DomainName,
		ProjectName: osfake.ProjectName, ProjectDomainName: osfake.DomainName,
		HTTPClient: fake.Client(),
	}
}

func connect(t testing.TB, fake *osfake.Cloud) *Provider {
	t.Helper()
	p, err := New(context.Background(), passwordConfig(fake))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func TestAuthenticatesByPasswordOrApplicationCredential(t *testing.T) {
	fake, _ := newCloud(t)
	fake.AddApplicationCredential("ac-1", "ac-secret")
	base := passwordConfig(fake)
	cases := map[string]func(c *Config){
		"password, project by name":  func(*Config) {},
		"password, project by id":    func(c *Config) { c.ProjectName, c.ProjectDomainName, c.ProjectID = "", "", osfake.ProjectID },
		"password, domain by id":     func(c *Config) { c.UserDomainName, c.ProjectDomainName, c.UserDomainID = "", "", osfake.DomainID },
		"project in the user domain": func(c *Config) { c.ProjectDomainName = "" },
		"application credential": func(c *Config) {
			*c = Config{AuthURL: c.AuthURL, HTTPClient: c.HTTPClient, ApplicationCredentialID: "ac-1", ApplicationCredentialSecret: "ac-secret"}
		},
		"a Cloudmesh v2.0 URL, no domains": func(c *Config) {
			c.AuthURL = fake.URL() + "/v2.0/tokens"
			c.UserDomainName, c.ProjectDomainName = "", ""
		},
		"internal interface": func(c *Config) { c.Interface = "internalURL" },
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := base
			edit(&cfg)
			p, err := New(context.Background(), cfg)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			who, err := p.Identity(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"user demo (u-0001)", "project demo (p-0001)"} {
				if !strings.Contains(who, want) {
					t.Errorf("identity %q does not say %q", who, want)
				}
			}
			if _, err := p.List(context.Background()); err != nil {
				t.Errorf("List with the token: %v", err)
			}
		})
	}
}

func TestV3AuthURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://kvm.tacc.chameleoncloud.org:5000/v2.0":         "https://kvm.tacc.chameleoncloud.org:5000/v3/",
		"https://kvm.tacc.chameleoncloud.org:5000/v2.0/tokens/": "https://kvm.tacc.chameleoncloud.org:5000/v3/",
		"https://js2.jetstream-cloud.org:5000/v3":               "https://js2.jetstream-cloud.org:5000/v3/",
		"https://keystone.example.org/identity":                 "https://keystone.example.org/identity/",
	} {
		if got, _, err := v3AuthURL(in); err != nil || got != want {
			t.Errorf("v3AuthURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, _, err := v3AuthURL("kvm.tacc.chameleoncloud.org:5000"); err == nil {
		t.Error("a URL with no scheme was accepted")
	}
}

// canary is a password that must never show in what a user sees.
const canary = "canary-Pa55w0rd-7f3e"

func TestAWrongPasswordIsKeystonesRefusalAndNeverShowsThePassword(t *testing.T) {
	fake, _ := newCloud(t)
	fake.SetPassword("the-right-one")
	cfg := passwordConfig(fake)
	cfg.Password = canary
	_, err := New(context.Background(), cfg)
	want := `openstack connection "chi": authenticate: Unauthorized: The request you have made requires authentication.`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
	if !errors.Is(err, model.ErrInvalid) {
		t.Error("a refused password is not ErrInvalid")
	}
	assertNoCanary(t, err)
}

func TestAPasswordChangedSinceIsReportedWhenTheTokenIsRenewed(t *testing.T) {
	fake, _ := newCloud(t)
	fake.SetPassword(canary)
	cfg := passwordConfig(fake)
	cfg.Password = canary
	p, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	fake.SetPassword("changed")
	fake.ExpireTokens()
	_, err = p.List(context.Background())
	if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "list: Unauthorized") {
		t.Errorf("err = %v, want Keystone's refusal of the renewal", err)
	}
	assertNoCanary(t, err)
}

func assertNoCanary(t *testing.T, err error) {
	t.Helper()
	for e := err; e != nil; {
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			if strings.Contains(s, canary) {
				t.Fatalf("the password shows in an error: %s", s)
			}
		}
		u, ok := e.(interface{ Unwrap() []error })
		if !ok {
			e = errors.Unwrap(e)
			continue
		}
		for _, inner := range u.Unwrap() {
			assertNoCanary(t, inner)
		}
		break
	}
}

func TestAnExpiredTokenIsRenewed(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	fake.Seed(3)
	fake.ExpireTokens()
	vms, err := p.List(context.Background())
	if err != nil || len(vms) != 3 {
		t.Fatalf("List after expiry = %d VMs, %v", len(vms), err)
	}
	if n := fake.Calls("POST /v3/auth/tokens"); n != 2 {
		t.Errorf("authenticated %d times, want 2 (once, then once to renew)", n)
	}
}

func TestListReadsEveryPage(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	fake.SetMaxLimit(100)
	fake.Seed(1234)
	vms, err := p.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, vm := range vms {
		seen[vm.ID] = true
	}
	if len(vms) != 1234 || len(seen) != 1234 {
		t.Fatalf("listed %d VMs, %d distinct; want 1234", len(vms), len(seen))
	}
	if n := fake.Calls("GET /compute/v2.1/servers/detail"); n != 13 {
		t.Errorf("read %d pages, want 13", n)
	}
	vm := vms[0]
	if vm.State != model.VMRunning || vm.CloudState != "ACTIVE" || vm.Flavor != "m1.small" ||
		len(vm.PrivateIPs) != 1 || vm.Tags["role"] != "seed" || vm.LaunchedAt.IsZero() ||
		vm.Region != osfake.Region || vm.Connection != "chi" || vm.Details["networks"] != osfake.PrivateNet {
		t.Errorf("a listed VM lacks what Nova said: %+v", vm)
	}
}

func TestThrottlingIsRetriedWithBackoff(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	fake.Seed(2)
	ctx := context.Background()
	const detail = "GET /compute/v2.1/servers/detail"

	fake.Throttle(3, 429, 0)
	if _, err := p.List(ctx); err != nil {
		t.Fatalf("List after three 429s: %v", err)
	}
	if n := fake.Calls(detail); n != 4 {
		t.Errorf("%d requests for three 429s, want 4", n)
	}

	fake.Throttle(2, 503, 0)
	if _, err := p.List(ctx); err != nil {
		t.Fatalf("List after two 503s: %v", err)
	}

	fake.Throttle(maxRetries+1, 429, 0)
	_, err := p.List(ctx)
	if !errors.Is(err, model.ErrUnavailable) || cloud.Code(err) != "overLimit" {
		t.Errorf("List throttled beyond the retries: %v, want ErrUnavailable overLimit", err)
	}
}

func TestAn503IsNotRetriedForAnActionThatMayHaveHappened(t *testing.T) {
	fake, clk := newCloud(t)
	p := connect(t, fake)
	id := fake.Seed(1)[0]
	clk.Advance()
	fake.Throttle(1, 503, 0)
	err := p.Stop(context.Background(), id)
	if !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("Stop on 503 = %v, want ErrUnavailable", err)
	}
	if n := fake.Calls("POST /compute/v2.1/servers/{id}/action"); n != 1 {
		t.Errorf("the stop was sent %d times, want once", n)
	}
}

func TestAConnectionAuthenticatesAsItsSettingsSay(t *testing.T) {
	fake, _ := newCloud(t)
	conn := model.Connection{
		Name: "jetstream", Kind: model.CloudOpenStack,
		Settings: map[string]string{
			model.SettingAuthURL: fake.AuthURL(), model.SettingUsername: osfake.Username,
			model.SettingUserDomainName: osfake.DomainName, model.SettingProjectID: osfake.ProjectID,
			model.SettingRegion: osfake.Region, model.SettingInterface: "public",
		},
		Secrets: map[string]string{model.SecretPassword: canary},
	}
	fake.SetPassword(canary)
	p, err := New(context.Background(), FromConnection(conn, fake.Client()))
	if err != nil {
		t.Fatal(err)
	}
	if who, _ := p.Identity(context.Background()); !strings.Contains(who, "project demo (p-0001)") {
		t.Errorf("identity = %q", who)
	}
	_, err = p.Get(context.Background(), "nope")
	if !strings.HasPrefix(err.Error(), `openstack connection "jetstream": get nope: itemNotFound`) {
		t.Errorf("err = %v, want it to name the connection", err)
	}
}

func TestTheCloudsRetryAfterIsHonoured(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	fake.Throttle(1, 429, 1)
	start := time.Now()
	if _, err := p.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("retried after %s, before the cloud's Retry-After of 1s", waited)
	}

	fake.Throttle(1, 429, 30)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := p.List(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || cloud.Code(err) != "overLimit" {
		t.Errorf("a deadline during the wait: %v, want the cloud's overLimit and the deadline", err)
	}
}
