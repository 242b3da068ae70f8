package frontend_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/openstack"
	"github.com/meshflow/meshflow/backend/cloud/openstack/osfake"
)

// On OpenStack a resize waits in VERIFY_RESIZE: the VM's page then asks
// to confirm or revert it, and a confirm ends it on the new flavor.
// Rename and rebuild, which Nova has and EC2 not, are offered too.
func TestOpenStackResizeIsConfirmedOnTheVMPage(t *testing.T) {
	f := newFixture(t, false)
	fake := osfake.New()
	t.Cleanup(fake.Close)
	fake.SetDelays(0, 0)
	ids := fake.Seed(1)
	p, err := openstack.New(t.Context(), openstack.Config{
		Connection: "chi", AuthURL: fake.AuthURL(), Region: osfake.Region,
		Username: osfake.Username, Password: osfake.Password, UserDomainName: osfake.DomainName,
		ProjectName: osfake.ProjectName, ProjectDomainName: osfake.DomainName, HTTPClient: fake.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	f.clouds.clouds = map[string]cloud.Provider{"chi": p}
	if err := f.inventory.RefreshConnection(t.Context(), "chi"); err != nil {
		t.Fatal(err)
	}
	ref := "chi/" + ids[0]
	page := "/vms/show?vm=" + url.QueryEscape(ref)
	(pageCase{"what Nova offers", page, 200, []string{
		`data-testid="vm-resize"`, `<option value="m1.large">m1.large — 4 vCPU, 8 GiB, 80 GB disk</option>`,
		`data-testid="vm-rebuild"`, `<option value="`, "ubuntu-22.04", `data-testid="vm-rename"`,
	}, []string{`data-testid="vm-verify-resize"`}}).run(t, f)

	post := func(action, arg string) string {
		t.Helper()
		q := url.Values{"action": {action}, "vm": {ref}}
		if arg != "" {
			q.Set("arg", arg)
		}
		return f.follow(t, f.do(t, "POST", "/vms/change?"+q.Encode(), url.Values{}, nil))
	}
	got := post("resize", "m1.large")
	for _, s := range []string{"Asked the cloud to resize to m1.large.", `data-testid="vm-verify-resize"`, `data-testid="vm-confirm-resize"`, `data-testid="vm-revert-resize"`, "VERIFY_RESIZE"} {
		if !strings.Contains(got, s) {
			t.Errorf("the page after a resize lacks %q", s)
		}
	}
	got = post("confirm-resize", "")
	if strings.Contains(got, `data-testid="vm-verify-resize"`) || !strings.Contains(got, "<dt>Flavor</dt><dd>m1.large</dd>") {
		t.Errorf("after the confirm the VM still waits, or is not m1.large:\n%s", got)
	}
	if got = post("rename", "lab-box"); !strings.Contains(got, "<h1>lab-box</h1>") || !strings.Contains(got, "rename to lab-box asked by the VMs page") {
		t.Errorf("the page after a rename:\n%s", got)
	}
	wantAudit(t, f, []auditWant{{"vm.rename", "vm " + ref, "done", ""}, {"vm.confirm-resize", "vm " + ref, "done", ""}, {"vm.resize", "vm " + ref, "done", ""}})
}
