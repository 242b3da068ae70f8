package app_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

// addFakeEC2 adds connection aws-lab over an in-memory EC2 whose
// instances take boot to run, with VM defaults for the create form.
func addFakeEC2(t *testing.T, a *app.App, boot time.Duration) *ec2fake.Server {
	t.Helper()
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAEXAMPLE", BootTime: boot})
	t.Cleanup(ec2.Close)
	if _, err := a.Connections().Add(t.Context(), model.Connection{
		Name: "aws-lab", Kind: model.CloudAWS, Active: true,
		Settings: map[string]string{model.SettingRegion: "us-east-1", model.SettingAccessKeyID: "AKIAEXAMPLE", model.SettingEndpoint: ec2.URL},
		Secrets:  map[string]string{model.SecretAccessKey: "s3cr3t"},
		Defaults: map[string]string{model.DefaultImage: "ami-0a1b2c3d4e5f60001", model.DefaultFlavor: "t3.micro"},
	}); err != nil {
		t.Fatal(err)
	}
	return ec2
}

// A user opens the create form from the VMs page, narrows the images by
// text, picks a flavor, double-clicks Create, and watches the one VM
// that makes go from pending to running on its page, live.
func TestBrowserCreatesAVMAndWatchesItRun(t *testing.T) {
	s := startSite(t)
	ec2 := addFakeEC2(t, s.app, 4*time.Second)
	b := s.browser(t)
	b.open(t, s.url+"/vms", "vms")
	b.clickAndWait(t, `[data-testid="vm-new"]`, `[data-testid="vm-create-form"]`)
	if got := b.text(t, `#vm-flavor option:checked`); got != "t3.micro — 2 vCPU, 1 GiB" {
		t.Errorf("the flavor chosen is %q, want the connection's default t3.micro", got)
	}
	b.run(t, "narrow the images",
		chromedp.SendKeys(`[data-testid="vm-q"]`, "golden", chromedp.ByQuery),
		chromedp.WaitNotPresent(`#vm-image option[value="ami-0a1b2c3d4e5f60002"]`, chromedp.ByQuery),
	)
	b.run(t, "fill in the form",
		chromedp.SetValue(`#vm-image`, "ami-0a1b2c3d4e5f60004", chromedp.ByQuery),
		chromedp.SendKeys(`#vm-tags`, "env=demo", chromedp.ByQuery),
		chromedp.SendKeys(`#vm-ssh_from`, "203.0.113.7/32", chromedp.ByQuery),
		chromedp.DoubleClick(`[data-testid="vm-create"]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid="vm-live"]`, chromedp.ByQuery),
	)
	if got := b.text(t, `[data-testid="flash"]`); !strings.HasPrefix(got, "Asked aws-lab for ") || strings.Contains(got, ",") {
		t.Errorf("the flash after the create says %q, want one VM asked for", got)
	}
	if b.count(t, `[data-step="running"][data-done="true"]`) != 0 {
		t.Errorf("the new VM shows running at once; it boots in 4 s")
	}
	b.run(t, "watch it run", chromedp.WaitVisible(`[data-step="running"][data-done="true"]`, chromedp.ByQuery))
	if got := b.text(t, `[data-testid="vm-cloud-state"]`); got != "running" {
		t.Errorf("the cloud's state on the page is %q, want running", got)
	}
	if n := b.count(t, `[data-testid="vm-event"][data-kind="changed"]`); n == 0 {
		t.Errorf("the history shows no change of state")
	}
	if n := ec2.Calls("RunInstances"); n != 1 {
		t.Errorf("a double-click on Create asked the cloud for %d launches, want 1", n)
	}
	vms, err := s.app.Inventory().VMs(t.Context(), "aws-lab", false)
	if err != nil || len(vms) != 1 || vms[0].Image != "ami-0a1b2c3d4e5f60004" || vms[0].Tags["env"] != "demo" {
		t.Fatalf("the inventory holds %+v (%v), want one VM of the image and tag chosen", vms, err)
	}
	b.check(t, "create a VM")

	// On a phone the VM's page and the form fit the screen.
	b.run(t, "phone viewport", chromedp.EmulateViewport(420, 860))
	b.open(t, s.url+"/vms/show?vm="+url.QueryEscape("aws-lab/"+vms[0].ID), "vms")
	b.fitsWidth(t, "a VM's page")
	b.open(t, s.url+"/vms/new", "vms")
	b.fitsWidth(t, "the create form")
	b.check(t, "phone VM pages")
}

// vmDocshots takes the docs' screenshots of the VMs page, a VM's page
// and the create form, over an in-memory EC2 holding a small lab.
func vmDocshots(t *testing.T, s site, b *browser, dir string) {
	t.Helper()
	addFakeEC2(t, s.app, 0)
	inv := s.app.Inventory()
	for _, req := range []cloud.CreateRequest{
		{Names: []string{"web-1", "web-2"}, Spec: cloud.CreateSpec{Image: "ami-0a1b2c3d4e5f60001", Flavor: "t3.small", SSHFrom: "203.0.113.7/32", Tags: map[string]string{cloud.GroupTag: "web", "env": "lab"}}},
		{Names: []string{"db-1"}, Spec: cloud.CreateSpec{Image: "ami-0a1b2c3d4e5f60004", Flavor: "m5.large", SSHFrom: "203.0.113.7/32", Tags: map[string]string{"env": "lab"}}},
	} {
		req.Connection, req.Why = "aws-lab", "the docs"
		if _, err := inv.Create(t.Context(), req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := inv.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	vms, err := inv.VMs(t.Context(), "aws-lab", false)
	if err != nil || len(vms) != 3 {
		t.Fatalf("the lab's VMs = %v, %v", vms, err)
	}
	db := vms[0] // by name: db-1 first
	if _, err := inv.Act(t.Context(), db.Connection, db.ID, cloud.Stop, "the docs"); err != nil {
		t.Fatal(err)
	}
	b.open(t, s.url+"/vms", "vms")
	b.waitVisible(t, `[data-testid="vm-table"]`)
	b.viewportShot(t, dir, "vms")
	b.open(t, s.url+"/vms/show?vm="+url.QueryEscape("aws-lab/"+vms[1].ID), "vms")
	b.waitVisible(t, `[data-testid="vm-changes"]`)
	b.viewportShot(t, dir, "vm")
	b.open(t, s.url+"/vms/new", "vms")
	b.waitVisible(t, `#vm-image`)
	b.viewportShot(t, dir, "vm-create")
}
