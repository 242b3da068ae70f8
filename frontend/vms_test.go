package frontend_test

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// seedVMs records what a refresh of two connections found: three AWS VMs,
// and a hosts connection whose last refresh failed.
func seedVMs(t *testing.T, f *fixture) {
	t.Helper()
	at := time.Now().Add(-2 * time.Minute)
	aws := []model.VM{
		{
			Connection: "aws-lab", Kind: model.CloudAWS, ID: "i-0web", Name: "web", State: model.VMRunning, CloudState: "running",
			Region: "us-east-1", Flavor: "t3.medium", PublicIPs: []string{"203.0.113.7"}, PrivateIPs: []string{"10.0.0.5"},
			Tags: map[string]string{"env": "prod"}, LaunchedAt: at.Add(-3 * time.Hour), Details: map[string]string{"vpc": "vpc-1"},
		},
		{
			Connection: "aws-lab", Kind: model.CloudAWS, ID: "i-0db", Name: "db", State: model.VMStopped, CloudState: "stopped",
			Region: "us-east-1", Flavor: "t3.large", PrivateIPs: []string{"10.0.0.6"},
		},
		{
			Connection: "aws-lab", Kind: model.CloudAWS, ID: "i-0odd", Name: "odd <b>name</b>", State: model.VMRunning,
			Region: "us-east-1", Flavor: "x9.huge",
		},
	}
	if err := f.store.ApplySnapshot(t.Context(), model.VMSnapshot{Connection: "aws-lab", At: at, Seen: aws}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.AddVMEvent(t.Context(), model.VMEvent{
		At: at, Connection: "aws-lab", VMID: "i-0web", Name: "web",
		Kind: model.VMAppeared, To: model.VMRunning, Message: "found by a refresh",
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.FailRefresh(t.Context(), "here", at, `hosts connection "here": test: none of the 1 hosts answers`); err != nil {
		t.Fatal(err)
	}
}

func TestVMPages(t *testing.T) {
	f := newFixture(t, false)
	f.addEC2(t, "aws-lab", nil) // whose provider says what its VMs' pages offer
	(pageCase{"no VMs yet", "/vms", 200, []string{"No VMs yet", "added under Connections"}, []string{`data-testid="vm-table"`}}).run(t, f)
	seedVMs(t, f)
	ref := func(id string) string { return url.QueryEscape("aws-lab/" + id) }
	for _, tt := range []pageCase{
		{"one table across connections", "/vms", 200, []string{
			`data-vm="aws-lab/i-0web" data-state="running"`, `data-vm="aws-lab/i-0db" data-state="stopped"`,
			"203.0.113.7", "10.0.0.5", "$0.0416/h", "odd &lt;b&gt;name&lt;/b&gt;", "3 VMs",
			`data-connection="here"`, "none of the 1 hosts answers", `data-connection="aws-lab"`, "3 VMs, as of",
			"Est. $0.0416/h, $0.9984/day",
		}, []string{"<b>name</b>"}},
		{"filter by state", "/vms?state=stopped", 200, []string{`data-vm="aws-lab/i-0db"`, "1 of 3 VMs"}, []string{`data-vm="aws-lab/i-0web"`}},
		{"filter by address", "/vms?q=203.0", 200, []string{`data-vm="aws-lab/i-0web"`}, []string{`data-vm="aws-lab/i-0db"`}},
		{"filter by tag", "/vms?tag=env%3Dprod", 200, []string{`data-vm="aws-lab/i-0web"`}, []string{`data-vm="aws-lab/i-0odd"`}},
		{"filter to nothing", "/vms?connection=here", 200, []string{"No VM matches these filters", `data-testid="filter-reset"`}, nil},
		{"a VM's page", "/vms/show?vm=" + ref("i-0web"), 200, []string{"<h1>web</h1>", "i-0web", "vpc-1", "Tag env", "prod", `data-kind="appeared"`, "$0.0416/h, $0.9984/day", `data-testid="vm-destroy"`}, nil},
		{"an unknown VM", "/vms/show?vm=" + ref("i-0nope"), 404, []string{"has no VM i-0nope"}, nil},
		{"a VM address without a VM", "/vms/show?vm=web", 404, []string{"names no VM"}, nil},
		{"destroy asks first, listing the VMs", "/vms/act?action=destroy&vm=" + ref("i-0web") + "&vm=" + ref("i-0db"), 200, []string{
			"Destroy 2 VMs?", `data-testid="confirm-item" data-name="web"`, `data-testid="confirm-item" data-name="db"`, "cannot be undone", `class="danger"`,
		}, nil},
		{"an action the page does not offer", "/vms/act?action=explode&vm=" + ref("i-0web"), 400, []string{`Action &#34;explode&#34; is not one`}, nil},
		{"an action on no VM", "/vms/act?action=stop", 400, []string{"No VM was ticked"}, nil},
		{"an action on an unknown VM", "/vms/act?action=stop&vm=" + ref("i-0nope"), 404, []string{"knows no VM aws-lab/i-0nope"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
}

// Acting on a VM goes by its cloud id and says what the cloud answered: a
// static host refuses to stop, and the refusal is on the page, in the
// VM's history and in the audit log.
func TestVMActionIsRefusedInWords(t *testing.T) {
	f := newFixture(t, false)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	f.clouds.hosts = map[string][]model.SSHHost{"here": {{Name: "me", Address: "127.0.0.1", Port: port}}}
	if err := f.inventory.RefreshConnection(t.Context(), "here"); err != nil {
		t.Fatal(err)
	}
	id := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	vm := "here/" + id
	rec := f.do(t, "POST", "/vms/act?action=stop&vm="+url.QueryEscape(vm), url.Values{}, nil)
	if rec.Code != 303 {
		t.Fatalf("POST stop = %d\n%s", rec.Code, rec.Body)
	}
	page := f.follow(t, rec)
	if !strings.Contains(page, "1 of 1 refused (me)") || !strings.Contains(page, "does not create, start, stop or destroy") {
		t.Errorf("page after a refused stop lacks the refusal:\n%s", page)
	}
	h, err := f.inventory.History(t.Context(), "here", id, 10)
	if err != nil || len(h) < 2 || !strings.Contains(h[0].Message, "stop asked by the VMs page, refused") {
		t.Errorf("history = %+v, %v", h, err)
	}
	wantAudit(t, f, []auditWant{{"vm.stop", "vm " + vm, "refused", ""}})
}

// The Overview says how many VMs run where, what they cost a day, and
// which were forgotten, with what they cost so far.
func TestOverviewVMs(t *testing.T) {
	f := newFixture(t, false)
	seedVMs(t, f)
	// web has run for three hours: under the threshold; make it a day.
	vms, _ := f.store.VMs(t.Context(), "aws-lab")
	for _, vm := range vms {
		if vm.ID == "i-0web" {
			vm.LaunchedAt = time.Now().Add(-25 * time.Hour)
			if err := f.store.SaveVM(t.Context(), vm.VM, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	(pageCase{"overview VMs", "/", 200, []string{
		`data-testid="overview-vms"`, "aws-lab</a> <span class=\"muted small\">aws</span>: 2 of 3 VMs running",
		"about $0.9984/day in compute", `data-testid="forgotten-vm"`, "/vms/show?vm=aws-lab%2Fi-0web",
		"$1.04", // 25 h at $0.0416
	}, nil}).run(t, f)
}

// A forgotten VM the guard has warned of is named above the Overview's
// VMs with when it will be stopped; with nothing warned, no banner.
func TestOverviewWarnsOfVMsTheGuardWillStop(t *testing.T) {
	f := newFixture(t, false)
	seedVMs(t, f) // web has run three hours
	(pageCase{"no warning yet", "/", 200, nil, []string{`data-testid="vm-stopping"`}}).run(t, f)
	vs := model.VMSettings{NamePattern: model.CloudmeshNamePattern, StopForgottenAfter: 2 * time.Hour, StopWarning: time.Hour}
	if err := f.store.SaveVMSettings(t.Context(), vs); err != nil {
		t.Fatal(err)
	}
	if g, err := f.inventory.Guard(t.Context()); err != nil || len(g) != 1 || g[0].VM.ID != "i-0web" || g[0].Stopped {
		t.Fatalf("guard = %+v, %v; want a warning of web", g, err)
	}
	(pageCase{"the warning", "/", 200, []string{
		`data-testid="vm-stopping"`, "meshflow will stop 1 forgotten VM", "/vms/show?vm=aws-lab%2Fi-0web", "stops", "meshflow-keep=true",
	}, nil}).run(t, f)
}
