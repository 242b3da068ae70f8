package openstack

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/openstack/osfake"
	"github.com/meshflow/meshflow/backend/model"
)

func spec(name, token string) cloud.CreateSpec {
	return cloud.CreateSpec{
		Name: name, Token: token, Image: osfake.DefaultImage, Flavor: osfake.DefaultFlavor,
		SSHFrom: "198.51.100.7", Tags: map[string]string{"group": "lab"}, UserData: "#cloud-config\n",
	}
}

func TestCreateTwiceWithOneTokenMakesOneServer(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	ctx := context.Background()
	first, err := p.Create(ctx, spec("lab-ann-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	if first.State != model.VMPending || first.Token != "tok-1" || first.Tags["group"] != "lab" ||
		first.Details["security_groups"] != sshGroupName || first.Flavor != "m1.small" {
		t.Errorf("created VM = %+v", first)
	}
	again, err := p.Create(ctx, spec("lab-ann-1", "tok-1"))
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || fake.ServerCount() != 1 || fake.Calls("POST /compute/v2.1/servers") != 1 {
		t.Errorf("second create: id %s (first %s), %d servers, %d POSTs; want the same server, made once",
			again.ID, first.ID, fake.ServerCount(), fake.Calls("POST /compute/v2.1/servers"))
	}
	// Another token under a name that is a prefix of the first: Nova's
	// name filter is a regex search, so the match must be exact.
	other, err := p.Create(ctx, spec("lab-ann-", "tok-2"))
	if err != nil || other.ID == first.ID || fake.ServerCount() != 2 {
		t.Errorf("create with a new token = %s, %v; want a second server", other.ID, err)
	}
	// The group made for the first create is reused, its SSH rule too.
	if n := fake.Calls("POST /network/v2.0/security-groups"); n != 1 {
		t.Errorf("made the SSH group %d times, want once", n)
	}
	if n := fake.Calls("POST /network/v2.0/security-group-rules"); n != 1 {
		t.Errorf("added the SSH rule %d times, want once", n)
	}
}

func TestCreateRetriedAfterALostResponseMakesOneServer(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	ctx := context.Background()
	fake.LoseNextResponse("POST /compute/v2.1/servers")
	_, err := p.Create(ctx, spec("lab-ann-2", "tok-lost"))
	if !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("create with its answer lost = %v, want ErrUnavailable", err)
	}
	vm, err := p.Create(ctx, spec("lab-ann-2", "tok-lost"))
	if err != nil {
		t.Fatal(err)
	}
	if fake.ServerCount() != 1 || fake.Calls("POST /compute/v2.1/servers") != 1 || vm.Token != "tok-lost" {
		t.Errorf("after the retry: %d servers from %d POSTs; want the one the lost call made",
			fake.ServerCount(), fake.Calls("POST /compute/v2.1/servers"))
	}
}

func TestCreateRefusesWhatItCannotResolve(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	cases := map[string]struct {
		edit func(*cloud.CreateSpec)
		is   error
		says string
	}{
		"unknown image":   {func(s *cloud.CreateSpec) { s.Image = "centos-5" }, model.ErrNotFound, `no image is named "centos-5"`},
		"unknown flavor":  {func(s *cloud.CreateSpec) { s.Flavor = "x9.huge" }, model.ErrNotFound, `no flavor is named or numbered "x9.huge"`},
		"no SSH address":  {func(s *cloud.CreateSpec) { s.SSHFrom = "" }, model.ErrInvalid, "no address to open SSH to"},
		"bad SSH address": {func(s *cloud.CreateSpec) { s.SSHFrom = "home" }, model.ErrInvalid, "is not an IP address"},
		"unknown key":     {func(s *cloud.CreateSpec) { s.KeyName = "nokey" }, model.ErrInvalid, "badRequest: Invalid key_name provided."},
		"unknown network": {func(s *cloud.CreateSpec) { s.Network = "lab-net" }, model.ErrNotFound, `no network is named or numbered "lab-net"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := spec("lab-bad", "tok-"+name)
			tc.edit(&s)
			_, err := p.Create(context.Background(), s)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.says) ||
				!strings.HasPrefix(err.Error(), `openstack connection "chi": create lab-bad: `) {
				t.Errorf("err = %v, want %v saying %q", err, tc.is, tc.says)
			}
		})
	}
	if fake.ServerCount() != 0 {
		t.Errorf("%d servers made by refused creates", fake.ServerCount())
	}
}

func TestCreateImportsAPublicKeyOnceAndBootsWithIt(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	const pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG1lc2hmbG93IHRlc3Qga2V5IG1hdGVyaWFs ann@laptop"
	for i, tok := range []string{"k1", "k2"} {
		s := spec("lab-key", tok)
		s.PublicKey = pub
		vm, err := p.Create(context.Background(), s)
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		if !strings.HasPrefix(vm.KeyName, "meshflow-") {
			t.Errorf("VM key = %q, want the imported key", vm.KeyName)
		}
	}
	if err := p.ImportKey(context.Background(), "ann", pub); err != nil {
		t.Fatal(err)
	}
	if err := p.ImportKey(context.Background(), "ann", pub+" (same key, new comment)"); err != nil {
		t.Errorf("importing the same key again: %v", err)
	}
	err := p.ImportKey(context.Background(), "ann", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGFub3RoZXIga2V5")
	if !errors.Is(err, model.ErrConflict) || !strings.Contains(err.Error(), "conflictingRequest: Key pair 'ann' already exists.") {
		t.Errorf("another key under the same name: %v", err)
	}
}

func TestResizeWaitsInVerifyResizeUntilConfirmedOrReverted(t *testing.T) {
	fake, clk := newCloud(t)
	p := connect(t, fake)
	ctx := context.Background()
	id := fake.Seed(1)[0]
	get := func() model.VM {
		t.Helper()
		vm, err := p.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return vm
	}
	if err := p.Resize(ctx, id, "m1.large"); err != nil {
		t.Fatal(err)
	}
	if vm := get(); vm.State != model.VMResizing || vm.CloudState != "RESIZE" {
		t.Errorf("during the resize: %s/%s", vm.State, vm.CloudState)
	}
	clk.Advance()
	if vm := get(); vm.State != model.VMResizing || vm.CloudState != "VERIFY_RESIZE" || vm.Flavor != "m1.large" {
		t.Errorf("resized: %s/%s %s, want resizing/VERIFY_RESIZE m1.large", vm.State, vm.CloudState, vm.Flavor)
	}
	if err := p.ConfirmResize(ctx, id); err != nil {
		t.Fatal(err)
	}
	if vm := get(); vm.State != model.VMRunning || vm.Flavor != "m1.large" {
		t.Errorf("confirmed: %s %s, want running m1.large", vm.State, vm.Flavor)
	}

	if err := p.Resize(ctx, id, "3"); err != nil { // by flavor id: m1.medium
		t.Fatal(err)
	}
	clk.Advance()
	if err := p.RevertResize(ctx, id); err != nil {
		t.Fatal(err)
	}
	clk.Advance()
	if vm := get(); vm.State != model.VMRunning || vm.Flavor != "m1.large" {
		t.Errorf("reverted: %s %s, want running m1.large", vm.State, vm.Flavor)
	}
	err := p.ConfirmResize(ctx, id)
	if !errors.Is(err, model.ErrConflict) {
		t.Errorf("confirming with no resize pending: %v, want ErrConflict", err)
	}
}

func TestFloatingIPIsAssignedOnceAndReleased(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	ctx := context.Background()
	id := fake.Seed(1)[0]
	ip, err := p.AssignPublicIP(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := p.AssignPublicIP(ctx, id); err != nil || again != ip || fake.FloatingIPCount() != 1 {
		t.Errorf("second assign = %s, %v with %d floating IPs; want %s, one IP", again, err, fake.FloatingIPCount(), ip)
	}
	vm, err := p.Get(ctx, id)
	if err != nil || len(vm.PublicIPs) != 1 || vm.PublicIPs[0] != ip || len(vm.PrivateIPs) != 1 {
		t.Errorf("VM after assign: public %v private %v, %v; want [%s] and its fixed IP", vm.PublicIPs, vm.PrivateIPs, err, ip)
	}
	other := fake.Seed(1)[0]
	if err := p.ReleasePublicIP(ctx, other, ip); !errors.Is(err, model.ErrConflict) {
		t.Errorf("releasing another server's IP: %v, want ErrConflict", err)
	}
	if err := p.ReleasePublicIP(ctx, id, ip); err != nil {
		t.Fatal(err)
	}
	if fake.FloatingIPCount() != 0 || fake.Calls("PUT /network/v2.0/floatingips/{id}") != 1 {
		t.Errorf("after release: %d floating IPs, %d disassociations; want none left, one disassociation",
			fake.FloatingIPCount(), fake.Calls("PUT /network/v2.0/floatingips/{id}"))
	}
	if vm, _ := p.Get(ctx, id); len(vm.PublicIPs) != 0 {
		t.Errorf("VM still shows %v", vm.PublicIPs)
	}
	if err := p.ReleasePublicIP(ctx, id, ip); err != nil {
		t.Errorf("releasing an address already released: %v", err)
	}
}

func TestLifecycleVerbs(t *testing.T) {
	fake, clk := newCloud(t)
	p := connect(t, fake)
	ctx := context.Background()
	id := fake.Seed(1)[0]
	state := func(want model.VMState, cloudState string) {
		t.Helper()
		clk.Advance()
		vm, err := p.Get(ctx, id)
		if err != nil || vm.State != want || vm.CloudState != cloudState {
			t.Fatalf("state = %s/%s, %v; want %s/%s", vm.State, vm.CloudState, err, want, cloudState)
		}
	}
	steps := []struct {
		do        func() error
		want      model.VMState
		cloudWord string
	}{
		{func() error { return p.Stop(ctx, id) }, model.VMStopped, "SHUTOFF"},
		{func() error { return p.Start(ctx, id) }, model.VMRunning, "ACTIVE"},
		{func() error { return p.Suspend(ctx, id) }, model.VMSuspended, "SUSPENDED"},
		{func() error { return p.Resume(ctx, id) }, model.VMRunning, "ACTIVE"},
		{func() error { fake.SetServerState(id, "SHELVED_OFFLOADED", "", ""); return p.Resume(ctx, id) }, model.VMRunning, "ACTIVE"},
		{func() error { return p.Reboot(ctx, id) }, model.VMRunning, "ACTIVE"},
		{func() error { return p.Rebuild(ctx, id, "rocky-9") }, model.VMRunning, "ACTIVE"},
		{func() error { return p.Rename(ctx, id, "lab-renamed") }, model.VMRunning, "ACTIVE"},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatal(err)
		}
		state(s.want, s.cloudWord)
	}
	vm, _ := p.Get(ctx, id)
	imgs, _ := p.Images(ctx)
	if vm.Name != "lab-renamed" || vm.Image != imgs[2].ID {
		t.Errorf("after rename and rebuild: name %q image %q; want lab-renamed on rocky-9 (%s)", vm.Name, vm.Image, imgs[2].ID)
	}
	out, err := p.ConsoleOutput(ctx, id)
	if err != nil || !strings.Contains(out, "cloud-init: seed-0000 up") {
		t.Errorf("console = %q, %v", out, err)
	}
	if err := p.Destroy(ctx, id); err != nil {
		t.Fatal(err)
	}
	if vm, _ := p.Get(ctx, id); vm.State != model.VMDeleting {
		t.Errorf("right after destroy: %s, want deleting", vm.State)
	}
	clk.Advance()
	if _, err := p.Get(ctx, id); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("get after destroy: %v, want ErrNotFound", err)
	}
	if err := p.Destroy(ctx, id); err != nil {
		t.Errorf("destroying a server already gone: %v", err)
	}
}

func TestErrorsSayTheCloudsWords(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	ctx := context.Background()
	const missing = "00000000-0000-4000-8000-00000000dead"
	_, err := p.Get(ctx, missing)
	want := `openstack connection "chi": get ` + missing + `: itemNotFound: Instance ` + missing + ` could not be found.`
	if err == nil || err.Error() != want || !errors.Is(err, model.ErrNotFound) || cloud.Code(err) != "itemNotFound" {
		t.Errorf("get unknown = %v, want %s (ErrNotFound)", err, want)
	}
	id := fake.Seed(1)[0]
	err = p.Start(ctx, id)
	want = `openstack connection "chi": start ` + id + `: conflictingRequest: Cannot 'start' instance ` + id + ` while it is in vm_state active`
	if err == nil || err.Error() != want || !errors.Is(err, model.ErrConflict) {
		t.Errorf("start a running server = %v, want %s (ErrConflict)", err, want)
	}
}

func TestCloudWordsReadsEachServicesErrorBody(t *testing.T) {
	cases := []struct {
		status     int
		body       string
		code, want string
	}{
		{404, `{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}`, "itemNotFound", "Instance x could not be found."},
		{401, `{"error": {"code": 401, "title": "Unauthorized", "message": "The request you have made requires authentication."}}`, "Unauthorized", "The request you have made requires authentication."},
		{409, `{"NeutronError": {"type": "SecurityGroupRuleExists", "message": "Security group rule already exists. Rule id is 5.", "detail": ""}}`, "SecurityGroupRuleExists", "Security group rule already exists. Rule id is 5."},
		{400, `{"NeutronError": "Invalid input for operation."}`, "NeutronError", "Invalid input for operation."},
		{404, "<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID x\n </body>\n</html>", "HTTP 404", "404 Not Found 404 Not Found No image found with ID x"},
	}
	for _, tc := range cases {
		if code, msg := cloudWords(tc.status, []byte(tc.body)); code != tc.code || msg != tc.want {
			t.Errorf("cloudWords(%d, %.40q) = %q, %q; want %q, %q", tc.status, tc.body, code, msg, tc.code, tc.want)
		}
	}
}

func TestStatusMapping(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	id := fake.Seed(1)[0]
	cases := []struct {
		status, task string
		want         model.VMState
	}{
		{"BUILD", "spawning", model.VMPending},
		{"ACTIVE", "", model.VMRunning},
		{"ACTIVE", "powering-off", model.VMStopping},
		{"ACTIVE", "deleting", model.VMDeleting},
		{"SHUTOFF", "", model.VMStopped},
		{"SUSPENDED", "", model.VMSuspended},
		{"PAUSED", "", model.VMSuspended},
		{"SHELVED", "", model.VMSuspended},
		{"SHELVED_OFFLOADED", "", model.VMSuspended},
		{"REBOOT", "reboot_started", model.VMRebooting},
		{"HARD_REBOOT", "", model.VMRebooting},
		{"RESIZE", "resize_migrating", model.VMResizing},
		{"VERIFY_RESIZE", "", model.VMResizing},
		{"REVERT_RESIZE", "resize_reverting", model.VMResizing},
		{"MIGRATING", "migrating", model.VMRunning},
		{"REBUILD", "rebuild_spawning", model.VMPending},
		{"DELETED", "", model.VMDeleted},
		{"SOFT_DELETED", "", model.VMDeleted},
		{"ERROR", "", model.VMError},
		{"UNKNOWN", "", model.VMUnknown},
	}
	for _, tc := range cases {
		fake.SetServerState(id, tc.status, tc.task, "")
		vm, err := p.Get(context.Background(), id)
		if err != nil || vm.State != tc.want || vm.CloudState != tc.status || vm.Details["task_state"] != tc.task {
			t.Errorf("%s/%s → %s (cloud %s, task %q), %v; want %s", tc.status, tc.task, vm.State, vm.CloudState, vm.Details["task_state"], err, tc.want)
		}
	}
	fake.SetServerState(id, "ERROR", "", "No valid host was found. There are not enough hosts available.")
	if vm, _ := p.Get(context.Background(), id); vm.Details["fault"] != "No valid host was found. There are not enough hosts available." {
		t.Errorf("fault = %q", vm.Details["fault"])
	}
}

func TestCatalogReadsEveryPage(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	fake.SetMaxLimit(2)
	imgs, err := p.Images(context.Background())
	if err != nil || len(imgs) != 5 || imgs[4].OS != "windows" || imgs[0].Name != osfake.DefaultImage {
		t.Errorf("images = %+v, %v", imgs, err)
	}
	if n := fake.Calls("GET /image/v2/images"); n != 3 {
		t.Errorf("read %d image pages, want 3", n)
	}
	fs, err := p.Flavors(context.Background())
	if err != nil || len(fs) != 4 || fs[3] != (model.Flavor{ID: "4", Name: "m1.large", VCPUs: 4, MemoryMB: 8192, DiskGB: 80}) {
		t.Errorf("flavors = %+v, %v", fs, err)
	}
}

func TestAMissingRegionIsExplained(t *testing.T) {
	fake, _ := newCloud(t)
	cfg := passwordConfig(fake)
	cfg.Region = "RegionTwo"
	_, err := New(context.Background(), cfg)
	if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "no compute endpoint for region RegionTwo and interface public") {
		t.Errorf("err = %v", err)
	}
}

func TestTheTokenIsKeptInNovaMetadata(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	vm, err := p.Create(context.Background(), spec("lab-md", "tok-md"))
	if err != nil {
		t.Fatal(err)
	}
	srv, ok := fake.Server(vm.ID)
	if !ok || srv.Metadata[tokenKey] != "tok-md" || srv.Metadata["group"] != "lab" {
		t.Errorf("the server's metadata = %v, want the token and the tags", srv.Metadata)
	}
	if _, hasToken := vm.Tags[tokenKey]; hasToken {
		t.Error("the token shows among the VM's tags")
	}
}

func TestSeveralNetworksMustBeChosenBetween(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	sharedID := fake.AddNetwork("sharednet1")
	_, err := p.Create(context.Background(), spec("lab-net", "tok-a"))
	if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), "the project has several networks: ") ||
		!strings.Contains(err.Error(), "sharednet1 ("+sharedID+")") {
		t.Fatalf("create with two networks and none named: %v", err)
	}
	for _, ref := range []string{"sharednet1", sharedID} {
		s := spec("lab-net", "tok-"+ref)
		s.Network = ref
		vm, err := p.Create(context.Background(), s)
		if err != nil || vm.Details["networks"] != "sharednet1" {
			t.Errorf("create on network %q: networks %q, %v", ref, vm.Details["networks"], err)
		}
	}
}

func TestDestroyReleasesTheFloatingIPsMeshflowGaveAndNoOthers(t *testing.T) {
	fake, clk := newCloud(t)
	p := connect(t, fake)
	ctx := context.Background()
	ids := fake.Seed(2)
	ours, theirs := ids[0], ids[1]
	if _, err := p.AssignPublicIP(ctx, ours); err != nil {
		t.Fatal(err)
	}
	// A floating IP the user attached by hand, with no meshflow mark.
	port, err := p.serverPort(ctx, "test", theirs)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := p.externalNetwork(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := floatingips.Create(ctx, p.network, floatingips.CreateOpts{FloatingNetworkID: ext, PortID: port.ID}).Extract(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if err := p.Destroy(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance()
	if n := fake.FloatingIPCount(); n != 1 {
		t.Errorf("%d floating IPs left, want the user's one", n)
	}
}
