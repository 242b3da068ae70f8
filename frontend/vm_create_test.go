package frontend_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

// addEC2 adds an AWS connection named name over an in-memory EC2 whose
// instances boot in a minute of its clock, which the returned func moves.
func (f *fixture) addEC2(t *testing.T, name string, defaults map[string]string) (*ec2fake.Server, func(time.Duration)) {
	t.Helper()
	var skew atomic.Int64
	ec2 := ec2fake.New(ec2fake.Options{
		AccessKeyID: "AKIAEXAMPLE", BootTime: time.Minute,
		Clock: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) },
	})
	t.Cleanup(ec2.Close)
	c := model.Connection{
		Name: name, Kind: model.CloudAWS, Active: true, Defaults: defaults,
		Settings: map[string]string{model.SettingRegion: "us-east-1", model.SettingAccessKeyID: "AKIAEXAMPLE", model.SettingEndpoint: ec2.URL},
		Secrets:  map[string]string{model.SecretAccessKey: connCanary},
	}
	if _, err := f.conns.Add(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	p, err := aws.New(t.Context(), aws.Config{
		Connection: name, Region: "us-east-1", AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: connCanary, Endpoint: ec2.URL,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.clouds.mu.Lock()
	if f.clouds.clouds == nil {
		f.clouds.clouds = map[string]cloud.Provider{}
	}
	f.clouds.clouds[name] = p
	if f.clouds.defaults == nil {
		f.clouds.defaults = map[string]map[string]string{}
	}
	f.clouds.defaults[name] = defaults
	f.clouds.mu.Unlock()
	return ec2, func(d time.Duration) { skew.Add(int64(d)) }
}

// The create form offers the cloud's images and flavors, the
// connection's defaults chosen, filtered by text, read from the cloud once
// in ten minutes unless reloaded.
func TestVMCreateFormOffersTheCloudsCatalog(t *testing.T) {
	f := newFixture(t, false)
	ec2, _ := f.addEC2(t, "aws-lab", map[string]string{
		model.DefaultImage: "ami-0a1b2c3d4e5f60004", model.DefaultFlavor: "t3.small", model.DefaultKeyName: "lab-key",
	})
	keys := f.clouds.clouds["aws-lab"].(cloud.KeyImporter)
	if err := keys.ImportKey(t.Context(), "lab-key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ann@lab"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []pageCase{
		{"the catalog, defaults chosen", "/vms/new", 200, []string{
			`<option value="aws-lab" selected>aws-lab (aws)</option>`,
			`<option value="ami-0a1b2c3d4e5f60004" selected>lab-golden-2026-01 — our lab image (ami-0a1b2c3d4e5f60004)</option>`,
			"al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64", "Windows_Server-2022",
			`<option value="t3.small" selected>t3.small — 2 vCPU, 2 GiB</option>`, "t4g.nano — 2 vCPU, 0.5 GiB", "m1.small — 1 vCPU, 1.7 GiB",
			`value="lab-key"`, `<code data-testid="vm-pattern">ann-vm-{n}</code>`, `name="key" value="`,
			// Key pairs, security groups and subnets suggested from the cloud.
			`list="vm-key_name-list"`, `<option value="lab-key">lab-key</option>`,
			`list="vm-security_group-list"`, `>default (vpc-0de1a017)</option>`, `<option value="subnet-0de1a017">`,
		}, []string{connCanary}},
		{"filtered by text", "/vms/new?q=windows&prefix=web", 200, []string{
			"Windows_Server-2022", `<code data-testid="vm-pattern">ann-web-{n}</code>`, `value="web"`,
			// The default stays chosen though the filter hides it.
			`<option value="ami-0a1b2c3d4e5f60004" selected>ami-0a1b2c3d4e5f60004</option>`,
		}, []string{"al2023-ami", "t3.small — "}},
		{"another connection's values are dropped", "/vms/new?connection=aws-lab&was=old&image=ami-typed-for-old", 200, []string{
			`<option value="ami-0a1b2c3d4e5f60004" selected>`,
		}, []string{"ami-typed-for-old"}},
		{"an unknown connection", "/vms/new?connection=nope", 200, []string{"Connection nope is not one VMs can be made on"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
	// One read of the catalog is one call per image owner; the pages
	// above made one read between them.
	perRead := ec2.Calls("DescribeImages")
	if perRead == 0 || perRead > 2 {
		t.Errorf("four showings of the form asked the cloud for its images %d times, want one read (the cache)", perRead)
	}
	(pageCase{"reloaded", "/vms/new?reload=1", 200, []string{"lab-golden-2026-01"}, nil}).run(t, f)
	if n := ec2.Calls("DescribeImages"); n != 2*perRead {
		t.Errorf("after a reload the cloud was asked %d times, want %d", n, 2*perRead)
	}
}

// createForm is a filled-in create form under key.
func createForm(key string) url.Values {
	return url.Values{
		"key": {key}, "connection": {"aws-lab"}, "image": {"ami-0a1b2c3d4e5f60001"}, "flavor": {"t3.micro"},
		"count": {"1"}, "tags": {"env=lab\nmeshflow-group=web"}, "ssh_from": {"203.0.113.7/32"},
	}
}

// The same form sent twice — a double-click, the browser's resubmit —
// makes one VM, and both answers lead to it; the create is audited.
func TestVMCreateTwiceMakesOneVM(t *testing.T) {
	f := newFixture(t, false)
	ec2, _ := f.addEC2(t, "aws-lab", nil)
	form := createForm("k1")
	var wg sync.WaitGroup
	locations := make([]string, 2)
	for i := range locations {
		wg.Go(func() {
			rec := f.do(t, "POST", "/vms/create", form, nil)
			if rec.Code != http.StatusSeeOther {
				t.Errorf("POST /vms/create = %d\n%s", rec.Code, rec.Body)
				return
			}
			locations[i], _, _ = strings.Cut(rec.Header().Get("Location"), "&flash=")
		})
	}
	wg.Wait()
	// Sent again later, after the first answered: still the same VM.
	rec := f.do(t, "POST", "/vms/create", form, nil)
	again, _, _ := strings.Cut(rec.Header().Get("Location"), "&flash=")
	if n := ec2.Calls("RunInstances"); n != 1 {
		t.Errorf("the cloud was asked to run instances %d times, want 1", n)
	}
	vms, err := f.inventory.VMs(t.Context(), "aws-lab", false)
	if err != nil || len(vms) != 1 {
		t.Fatalf("the inventory has %d VMs (%v), want 1", len(vms), err)
	}
	want := "/vms/show?vm=" + url.QueryEscape("aws-lab/"+vms[0].ID)
	if locations[0] != want || locations[1] != want || again != want {
		t.Errorf("the answers lead to %q, %q and %q, want %q each", locations[0], locations[1], again, want)
	}
	if vms[0].Name != "ann-vm-1" || vms[0].Tags["env"] != "lab" || vms[0].Tags["meshflow-group"] != "web" {
		t.Errorf("VM = %s %v, want ann-vm-1 with the form's tags", vms[0].Name, vms[0].Tags)
	}
	page := f.follow(t, rec)
	for _, s := range []string{"Asked aws-lab for ann-vm-1.", `data-testid="vm-step" data-step="running" data-done="false"`, `hx-get="/vms/show?vm=`, "&amp;watch=1"} {
		if !strings.Contains(page, s) {
			t.Errorf("the VM page after the create lacks %q", s)
		}
	}
	wantAudit(t, f, []auditWant{{"vm.create", "vm aws-lab", "done", ""}, {"vm.create", "vm aws-lab", "done", ""}, {"vm.create", "vm aws-lab", "done", ""}})
}

// A create the cloud refuses comes back in the form with the cloud's
// words, every field as typed, and nothing made; a bad field is refused
// before the cloud is asked.
func TestVMCreateRefusalKeepsTheForm(t *testing.T) {
	f := newFixture(t, false)
	ec2, _ := f.addEC2(t, "aws-lab", nil)
	form := createForm("k2")
	form.Set("image", "ami-0doesnotexist")
	form.Set("names", "lab-box")
	form.Set("user_data", "#cloud-config\npackages: [htop]")
	rec := f.do(t, "POST", "/vms/create", form, nil)
	body := rec.Body.String()
	if rec.Code != http.StatusUnprocessableEntity {
		t.Fatalf("a refused create = %d\n%s", rec.Code, body)
	}
	for _, s := range []string{"InvalidAMIID", "ami-0doesnotexist", `value="lab-box"`, "env=lab\nmeshflow-group=web", "packages: [htop]", `value="203.0.113.7/32"`, `name="key" value="k2"`} {
		if !strings.Contains(body, s) {
			t.Errorf("the refused form lacks %q", s)
		}
	}
	form = createForm("k3")
	form.Set("tags", "env=lab\njust-a-word")
	if rec := f.do(t, "POST", "/vms/create", form, nil); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "Tag 2, &#34;just-a-word&#34;: write KEY=VALUE") {
		t.Errorf("a bad tag = %d\n%s", rec.Code, rec.Body)
	}
	form.Set("tags", "")
	form.Set("count", "0")
	if rec := f.do(t, "POST", "/vms/create", form, nil); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "give a whole number from 1 to 100") {
		t.Errorf("a count of 0 = %d\n%s", rec.Code, rec.Body)
	}
	if n := ec2.Calls("RunInstances"); n != 1 {
		t.Errorf("RunInstances was called %d times, want 1: the bad fields never reach the cloud", n)
	}
	wantAudit(t, f, []auditWant{{"vm.create", "vm aws-lab", "refused", ""}, {"vm.create", "vm aws-lab", "refused", ""}, {"vm.create", "vm aws-lab", "refused", ""}})
}

// The VM page follows a new VM: while it boots it watches, then shows it
// running, its steps done, and the change in its history.
func TestVMPageFollowsTheVMUp(t *testing.T) {
	f := newFixture(t, false)
	_, advance := f.addEC2(t, "aws-lab", nil)
	rec := f.do(t, "POST", "/vms/create", createForm("k4"), nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create = %d\n%s", rec.Code, rec.Body)
	}
	page, _, _ := strings.Cut(rec.Header().Get("Location"), "&flash=")
	watch := f.do(t, "GET", page+"&watch=1", nil, nil).Body.String()
	if !strings.Contains(watch, `data-step="running" data-done="false"`) || !strings.Contains(watch, `data-testid="poller"`) {
		t.Errorf("a booting VM's page does not watch it:\n%s", watch)
	}
	advance(2 * time.Minute)
	watch = f.do(t, "GET", page+"&watch=1", nil, nil).Body.String()
	for _, s := range []string{`data-state="running"`, `data-step="running" data-done="true"`, `data-kind="changed"`, `data-testid="vm-stop"`, `data-testid="vm-reboot"`} {
		if !strings.Contains(watch, s) {
			t.Errorf("the running VM's page lacks %q", s)
		}
	}
	if strings.Contains(watch, `data-testid="vm-start"`) || strings.Contains(watch, `data-testid="vm-resume"`) {
		t.Error("a running VM is offered start or resume")
	}
}

// A static host's page offers no lifecycle action: its provider has
// none to give.
func TestVMPageOffersWhatTheCloudCan(t *testing.T) {
	f := newFixture(t, false)
	f.clouds.hosts = map[string][]model.SSHHost{"here": {{Name: "me", Address: "127.0.0.1", Port: 1}}}
	if err := f.inventory.RefreshConnection(context.Background(), "here"); err != nil {
		t.Fatal(err)
	}
	(pageCase{"a host", "/vms/show?vm=" + url.QueryEscape("here/127.0.0.1:1"), 200, []string{"<h1>me</h1>"}, []string{`data-testid="vm-stop"`, `data-testid="vm-destroy"`}}).run(t, f)
}

// createdVM creates one VM through the form and lets it boot; it returns
// the VM and its page's address.
func createdVM(t *testing.T, f *fixture, advance func(time.Duration)) (model.VMRecord, string) {
	t.Helper()
	rec := f.do(t, "POST", "/vms/create", createForm("k-"+t.Name()), nil)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("create = %d\n%s", rec.Code, rec.Body)
	}
	page, _, _ := strings.Cut(rec.Header().Get("Location"), "&flash=")
	advance(2 * time.Minute)
	f.do(t, "GET", page+"&watch=1", nil, nil)
	vms, err := f.inventory.VMs(t.Context(), "aws-lab", false)
	if err != nil || len(vms) != 1 || vms[0].State != model.VMRunning {
		t.Fatalf("VMs after the boot = %+v, %v", vms, err)
	}
	return vms[0], page
}

// The changes EC2 offers — resize, public IPs, console output — are on
// the page, each asked first, each in the VM's history and the audit
// log; those it does not (rebuild, rename) are not.
func TestVMPageChangesWhatTheCloudOffers(t *testing.T) {
	f := newFixture(t, false)
	ec2, advance := f.addEC2(t, "aws-lab", nil)
	vm, page := createdVM(t, f, advance)
	ref := "aws-lab/" + vm.ID
	(pageCase{"the offer", page, 200, []string{
		`data-testid="vm-resize"`, `<option value="t3.large">t3.large — 2 vCPU, 8 GiB</option>`,
		`data-testid="vm-assign-ip"`, `data-testid="vm-console"`,
	}, []string{`data-testid="vm-rebuild"`, `data-testid="vm-rename"`}}).run(t, f)

	change := "/vms/change?" + url.Values{"action": {"assign-ip"}, "vm": {ref}}.Encode()
	(pageCase{"asked first", change, 200, []string{"Assign a public IP of " + vm.Name + "?", "billed until it is released"}, nil}).run(t, f)
	got := f.follow(t, f.do(t, "POST", change, url.Values{}, nil))
	vms, _ := f.inventory.VMs(t.Context(), "aws-lab", false)
	if len(vms[0].PublicIPs) == 0 {
		t.Fatalf("no public IP after the assign: %+v", vms[0])
	}
	ip := vms[0].PublicIPs[len(vms[0].PublicIPs)-1]
	for _, s := range []string{"Asked the cloud to assign a public IP. Its public addresses: ", ip, "assign a public IP asked by the VMs page: " + ip, `data-testid="vm-release-ip"`} {
		if !strings.Contains(got, s) {
			t.Errorf("the page after the assign lacks %q", s)
		}
	}
	release := "/vms/change?" + url.Values{"action": {"release-ip"}, "vm": {ref}, "arg": {ip}}.Encode()
	f.follow(t, f.do(t, "POST", release, url.Values{}, nil))
	if n := ec2.Calls("ReleaseAddress"); n != 1 {
		t.Errorf("ReleaseAddress was called %d times, want 1", n)
	}

	// EC2 changes the type of a stopped instance only, and the adapter
	// says so.
	resize := "/vms/change?" + url.Values{"action": {"resize"}, "vm": {ref}, "arg": {"t3.large"}}.Encode()
	got = f.follow(t, f.do(t, "POST", resize, url.Values{}, nil))
	if !strings.Contains(got, "The cloud refused to resize to t3.large: ") || !strings.Contains(got, "stop it first") {
		t.Errorf("a refused resize is not in the cloud's words:\n%s", got)
	}
	(pageCase{"a resize without a flavor", "/vms/change?" + url.Values{"action": {"resize"}, "vm": {ref}}.Encode(), 400, []string{"Say what to resize " + vm.Name + " to"}, nil}).run(t, f)
	(pageCase{"an unknown change", "/vms/change?" + url.Values{"action": {"explode"}, "vm": {ref}}.Encode(), 400, []string{"is not one a VM&#39;s page offers"}, nil}).run(t, f)
	wantAudit(t, f, []auditWant{
		{"vm.resize", "vm " + ref, "refused", ""},
		{"vm.release-ip", "vm " + ref, "done", ""},
		{"vm.assign-ip", "vm " + ref, "done", ""},
		{"vm.create", "vm aws-lab", "done", ""},
	})
}

// Console output is shown as text, escaped, its last 64 KiB only.
func TestVMConsoleShowsTheEndEscaped(t *testing.T) {
	f := newFixture(t, false)
	ec2, advance := f.addEC2(t, "aws-lab", nil)
	vm, _ := createdVM(t, f, advance)
	out := "FIRST LINE\n" + strings.Repeat("booting…\n", 10_000) + "<script>alert(1)</script>\nlogin: "
	ec2.SetConsoleOutput(vm.ID, out)
	(pageCase{"console", "/vms/console?vm=" + url.QueryEscape("aws-lab/"+vm.ID), 200, []string{
		`<pre class="vm-console" data-testid="vm-console-output">booting…`, "&lt;script&gt;alert(1)&lt;/script&gt;\nlogin: ", "last 64 KiB",
	}, []string{"FIRST LINE", "<script>alert(1)"}}).run(t, f)
}

// Labels and the group set on a VM's page are kept in meshflow, shown
// beside the cloud's tags, and chosen by as tags: by the VMs filter and
// by the inventory's Select, which the ops and bulk actions use.
func TestVMLabelsAreChosenByAsTags(t *testing.T) {
	f := newFixture(t, false)
	_, advance := f.addEC2(t, "aws-lab", nil)
	vm, _ := createdVM(t, f, advance)
	labels := "/vms/labels?vm=" + url.QueryEscape("aws-lab/"+vm.ID)
	got := f.follow(t, f.do(t, "POST", labels, url.Values{"group": {"nightly"}, "labels": {"owner=ann\nenv=prod"}}, nil))
	for _, s := range []string{"Labels of " + vm.Name + " saved.", `<dt>Label owner</dt><dd data-testid="vm-label">ann</dd>`, `<dt>Label env</dt><dd data-testid="vm-label">prod</dd>`, `value="nightly"`, "labels set to env=prod, meshflow-group=nightly, owner=ann by the VMs page"} {
		if !strings.Contains(got, s) {
			t.Errorf("the page after saving labels lacks %q", s)
		}
	}
	(pageCase{"the filter sees a label", "/vms?tag=owner%3Dann", 200, []string{`data-vm="aws-lab/` + vm.ID + `"`}, nil}).run(t, f)
	picked, err := f.inventory.Select(t.Context(), cloud.Selector{Group: "nightly", Tags: map[string]string{"env": "prod"}})
	if err != nil || len(picked) != 1 || picked[0].ID != vm.ID {
		t.Errorf("Select by the group and a label = %v, %v", picked, err)
	}
	rec := f.do(t, "POST", labels, url.Values{"labels": {"no-equals-sign"}}, nil)
	if got := f.follow(t, rec); !strings.Contains(got, "The labels were not saved: tag 1") {
		t.Errorf("a bad label line is not refused by line:\n%s", got)
	}
	f.follow(t, f.do(t, "POST", labels, url.Values{}, nil))
	if _, err := f.inventory.Select(t.Context(), cloud.Selector{Group: "nightly"}); err == nil {
		t.Error("the group still picks the VM after its labels were removed")
	}
	wantAudit(t, f, []auditWant{{"vm.label", "vm aws-lab/" + vm.ID, "done", ""}, {"vm.label", "vm aws-lab/" + vm.ID, "refused", ""}, {"vm.label", "vm aws-lab/" + vm.ID, "done", ""}, {"vm.create", "vm aws-lab", "done", ""}})
}

// The VM page's stream sends the VM's parts while it moves and ends with
// "done" once it has settled: a stopped VM's stream ends at once, with
// markup that no longer listens.
func TestVMStreamEndsWhenTheVMSettles(t *testing.T) {
	f := newFixture(t, false)
	_, advance := f.addEC2(t, "aws-lab", nil)
	vm, _ := createdVM(t, f, advance)
	if _, err := f.inventory.Act(t.Context(), vm.Connection, vm.ID, cloud.Stop, "the test"); err != nil {
		t.Fatal(err)
	}
	rec := f.do(t, "GET", "/vms/events?vm="+url.QueryEscape("aws-lab/"+vm.ID), nil, nil)
	body := rec.Body.String()
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/event-stream" || !strings.HasPrefix(body, "event: done\n") || strings.Contains(body, "sse-connect") || !strings.Contains(body, `data-state="stopped"`) {
		t.Errorf("the stream of a stopped VM = %d %q\n%s", rec.Code, rec.Header().Get("Content-Type"), body)
	}
}

// The form's name preview shows the pattern the create will use: the one
// saved under Settings, or a connection's own default name_pattern over
// it, with the prefix typed.
func TestVMCreateFormPreviewsTheNamingPattern(t *testing.T) {
	f := newFixture(t, false)
	f.addEC2(t, "aws-lab", nil)
	f.addEC2(t, "aws-team", map[string]string{model.DefaultNamePattern: "team-{prefix}-{counter}"})
	if err := f.store.SaveVMSettings(t.Context(), model.VMSettings{NamePattern: "{connection}-{prefix}-{counter}"}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []pageCase{
		{"the Settings pattern", "/vms/new?connection=aws-lab&prefix=etl", 200, []string{`<code data-testid="vm-pattern">aws-lab-etl-{n}</code>`}, nil},
		{"the connection's own", "/vms/new?connection=aws-team&prefix=etl", 200, []string{`<code data-testid="vm-pattern">team-etl-{n}</code>`}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
}
