package cli

import (
	"encoding/json"
	"os/user"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

// The day from the command line: create two VMs on a cloud (an in-memory
// EC2), list them, stop one, refuse to destroy without --yes, destroy
// them by connection; every change is in the audit log.
func TestVMCommands(t *testing.T) {
	dir := t.TempDir()
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAEXAMPLE"})
	t.Cleanup(ec2.Close)
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, err := runWithStdin(t, dir, stdin, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return out
	}
	run(cloudCanary+"\n", "cloud", "add", "aws", "lab", "--set", "region=us-east-1", "--set", "access_key_id=AKIAEXAMPLE",
		"--set", "endpoint="+ec2.URL, "--secret", "secret_access_key")
	out := run("", "vm", "create", "--connection", "lab", "--count", "2", "--prefix", "exp",
		"--image", "ami-0a1b2c3d4e5f60001", "--flavor", "t3.micro", "--ssh-from", "203.0.113.7/32")
	u, _ := user.Current()
	first := strings.ToLower(u.Username) + "-exp-1"
	if !strings.Contains(out, "created "+first+" (i-") || !strings.Contains(out, first+" is running") {
		t.Fatalf("create said:\n%s", out)
	}
	out = run("", "vm", "list")
	if strings.Count(out, "running") != 2 || !strings.Contains(out, "t3.micro") || !strings.Contains(out, "0.0104 USD/h") {
		t.Errorf("list:\n%s", out)
	}
	if out := run("", "vm", "stop", first, "--wait"); !strings.Contains(out, first+" is stopped") {
		t.Errorf("stop:\n%s", out)
	}
	if out := run("", "vm", "info", first); !strings.Contains(out, "running → stopped") || !strings.Contains(out, "stop asked by the command line") {
		t.Errorf("info:\n%s", out)
	}
	out, err := runWithStdin(t, dir, "", "vm", "destroy", "--connection", "lab")
	if err == nil || !strings.Contains(out, "would destroy "+first) || !strings.Contains(out, "--yes") {
		t.Fatalf("destroy without --yes: %v\n%s", err, out)
	}
	if out := run("", "vm", "destroy", "--connection", "lab", "--yes"); strings.Count(out, "destroy ") != 2 {
		t.Errorf("destroy --yes:\n%s", out)
	}
	audit := run("", "audit")
	for _, want := range []string{"vm.create", "vm.stop", "vm.destroy"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %s:\n%s", want, audit)
		}
	}
	if _, err := runWithStdin(t, dir, "", "vm", "info", "nope"); err == nil {
		t.Error("info of an unknown VM worked")
	}
}

// Importing Cloudmesh's file twice adds its clouds once, then updates them;
// what cannot be used is listed as skipped, and no secret is printed.
func TestCloudImportTwice(t *testing.T) {
	dir := t.TempDir()
	file := "../../testdata/import/cloudmesh/cloudmesh.yaml"
	first, err := runWithStdin(t, dir, "", "cloud", "import", file)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, first)
	}
	if !strings.Contains(first, "added ") || !strings.Contains(first, "skipped ") {
		t.Errorf("first import:\n%s", first)
	}
	second, err := runWithStdin(t, dir, "", "cloud", "import", file)
	if err != nil || strings.Contains(second, "added ") || !strings.Contains(second, "updated ") {
		t.Errorf("second import: %v\n%s", err, second)
	}
	if strings.Contains(first+second, "CANARY") {
		t.Error("an import printed a secret")
	}
	list, _ := runWithStdin(t, dir, "", "cloud", "list")
	if strings.Count(list, "\n") < 4 {
		t.Errorf("list after import:\n%s", list)
	}
}

// While serve runs, the vm commands act through it: what they change
// shows in the server's own list at once (a command acting on the data
// dir beside it would leave the server's cached list stale), the server
// records the changes as the CLI's, and the table and the JSON a command
// prints are the same through the server as on the data dir.
func TestVMCommandsGoThroughARunningServer(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir)
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAEXAMPLE"})
	t.Cleanup(ec2.Close)
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, err := runWithStdin(t, dir, stdin, args...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		return out
	}
	run(cloudCanary+"\n", "cloud", "add", "aws", "lab", "--set", "region=us-east-1", "--set", "access_key_id=AKIAEXAMPLE",
		"--set", "endpoint="+ec2.URL, "--secret", "secret_access_key")
	var made []model.VMRecord
	if err := json.Unmarshal([]byte(run("", "vm", "create", "--connection", "lab", "--name", "etl-1", "--image", "ami-0a1b2c3d4e5f60001",
		"--flavor", "t3.micro", "--ssh-from", "203.0.113.7/32", "--idempotency-key", "k1", "--json")), &made); err != nil || len(made) != 1 {
		t.Fatalf("create --json: %v %+v", err, made)
	}
	if again := run("", "vm", "create", "--connection", "lab", "--name", "etl-1", "--idempotency-key", "k1"); !strings.Contains(again, made[0].ID) || ec2.Calls("RunInstances") != 1 {
		t.Fatalf("the same key again made another VM (first %s, %d launches):\n%s", made[0].ID, ec2.Calls("RunInstances"), again)
	}

	client, err := app.DataDir(dir).Remote()
	if err != nil {
		t.Fatal(err)
	}
	serverState := func() model.VMState {
		l, err := client.VMs().List(t.Context(), cloud.Filter{Connection: "lab"})
		if err != nil || len(l.VMs) != 1 {
			t.Fatalf("the server lists %+v, %v", l, err)
		}
		return l.VMs[0].State
	}
	if got := serverState(); got != model.VMRunning {
		t.Fatalf("the server says %s", got)
	}
	if out := run("", "vm", "stop", "etl-1", "--wait"); !strings.Contains(out, "etl-1 is stopped") {
		t.Errorf("stop:\n%s", out)
	}
	if got := serverState(); got != model.VMStopped {
		t.Errorf("after the stop the server still says %s", got)
	}
	if out := run("", "vm", "info", "lab/"+made[0].ID); !strings.Contains(out, "stop asked by the command line") {
		t.Errorf("info:\n%s", out)
	}
	if out, err := runWithStdin(t, dir, "", "vm", "destroy", "etl-1"); err == nil || !strings.Contains(out, "would destroy etl-1 (lab "+made[0].ID) {
		t.Errorf("destroy without --yes through the server: %v\n%s", err, out)
	}
	if out := run("", "audit", "--action", "vm.destroy"); strings.Contains(out, "vm.destroy") {
		t.Errorf("a dry run was audited:\n%s", out)
	}
	audit := run("", "audit", "--action", "vm.stop")
	if !strings.Contains(audit, "API token via cli/") || !strings.Contains(audit, "lab/"+made[0].ID) {
		t.Errorf("the stop is not recorded as the CLI's through the server:\n%s", audit)
	}

	table, listed := run("", "vm", "list"), run("", "vm", "list", "--json")
	s.stop(t)
	if local := run("", "vm", "list"); local != table {
		t.Errorf("the table through the server:\n%s\non the data dir:\n%s", table, local)
	}
	if a, b := withoutAges(t, listed), withoutAges(t, run("", "vm", "list", "--json")); a != b {
		t.Errorf("the JSON through the server:\n%s\non the data dir:\n%s", a, b)
	}
	if strings.Contains(table+listed+audit+s.out.String(), cloudCanary) {
		t.Error("the canary secret was shown or logged")
	}
}

// withoutAges is a `vm list --json` with its ages, which tick, zeroed.
func withoutAges(t *testing.T, s string) string {
	t.Helper()
	var l cloud.Listing
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		t.Fatalf("%v:\n%s", err, s)
	}
	for i := range l.VMs {
		l.VMs[i].AgeSeconds, l.VMs[i].KnowledgeAgeSeconds = 0, 0
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// A connection's own naming pattern, among its defaults, names its VMs
// over the settings' pattern; one with a placeholder meshflow does not
// know is refused when the connection is added, with the known ones.
func TestConnectionNamingPattern(t *testing.T) {
	dir := t.TempDir()
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAEXAMPLE"})
	t.Cleanup(ec2.Close)
	add := func(pattern string) (string, error) {
		return runWithStdin(t, dir, cloudCanary+"\n", "cloud", "add", "aws", "lab", "--set", "region=us-east-1", "--set", "access_key_id=AKIAEXAMPLE",
			"--set", "endpoint="+ec2.URL, "--secret", "secret_access_key", "--default", "name_pattern="+pattern)
	}
	if out, err := add("{prefix}-{host}-{counter}"); err == nil || !strings.Contains(out, "{user}, {prefix}, {connection}, {counter}") {
		t.Fatalf("a bad pattern was taken: %v\n%s", err, out)
	}
	if out, err := add("{connection}-{prefix}-{counter}"); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	out, err := runWithStdin(t, dir, "", "vm", "create", "--connection", "lab", "--count", "2", "--prefix", "etl",
		"--image", "ami-0a1b2c3d4e5f60001", "--flavor", "t3.micro", "--ssh-from", "203.0.113.7/32")
	if err != nil || !strings.Contains(out, "created lab-etl-1 (") || !strings.Contains(out, "created lab-etl-2 (") {
		t.Errorf("create: %v\n%s", err, out)
	}
}

// A create that names no image or flavor takes the connection's defaults
// (Cloudmesh's default: block, once imported), from the command line as
// from the form; what the command gives wins.
func TestConnectionDefaultsFillTheCreate(t *testing.T) {
	dir := t.TempDir()
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAEXAMPLE"})
	t.Cleanup(ec2.Close)
	if out, err := runWithStdin(t, dir, cloudCanary+"\n", "cloud", "add", "aws", "lab", "--set", "region=us-east-1", "--set", "access_key_id=AKIAEXAMPLE",
		"--set", "endpoint="+ec2.URL, "--secret", "secret_access_key", "--default", "image=ami-0a1b2c3d4e5f60004", "--default", "flavor=t3.small"); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	create := func(args ...string) model.VMRecord {
		t.Helper()
		out, err := runWithStdin(t, dir, "", append([]string{"vm", "create", "--connection", "lab", "--ssh-from", "203.0.113.7/32", "--wait", "none", "--json"}, args...)...)
		var made []model.VMRecord
		if err != nil || json.Unmarshal([]byte(out), &made) != nil || len(made) != 1 {
			t.Fatalf("create %v: %v\n%s", args, err, out)
		}
		return made[0]
	}
	if vm := create(); vm.Image != "ami-0a1b2c3d4e5f60004" || vm.Flavor != "t3.small" {
		t.Errorf("with the defaults: image %s, flavor %s", vm.Image, vm.Flavor)
	}
	if vm := create("--flavor", "t3.micro"); vm.Image != "ami-0a1b2c3d4e5f60004" || vm.Flavor != "t3.micro" {
		t.Errorf("with --flavor t3.micro: image %s, flavor %s", vm.Image, vm.Flavor)
	}
}

// The changes that take an argument, on the data dir and through a
// running server alike: a resize EC2 refuses for a running VM names the
// fix, and moves a stopped one; a public IP is assigned and released; a
// rebuild without --yes only says what it would do; each is audited.
func TestVMChangeCommands(t *testing.T) {
	for _, served := range []bool{false, true} {
		t.Run(map[bool]string{false: "on the data dir", true: "through the server"}[served], func(t *testing.T) {
			dir := t.TempDir()
			if served {
				startServe(t, dir)
			}
			ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAEXAMPLE"})
			t.Cleanup(ec2.Close)
			run := func(args ...string) (string, error) {
				t.Helper()
				return runWithStdin(t, dir, "", args...)
			}
			must := func(args ...string) string {
				t.Helper()
				out, err := run(args...)
				if err != nil {
					t.Fatalf("%v: %v\n%s", args, err, out)
				}
				return out
			}
			if out, err := runWithStdin(t, dir, cloudCanary+"\n", "cloud", "add", "aws", "lab", "--set", "region=us-east-1", "--set", "access_key_id=AKIAEXAMPLE",
				"--set", "endpoint="+ec2.URL, "--secret", "secret_access_key"); err != nil {
				t.Fatalf("cloud add: %v\n%s", err, out)
			}
			var made []model.VMRecord
			if err := json.Unmarshal([]byte(must("vm", "create", "--connection", "lab", "--name", "etl-1", "--image", "ami-0a1b2c3d4e5f60001",
				"--flavor", "t3.micro", "--ssh-from", "203.0.113.7/32", "--json")), &made); err != nil || len(made) != 1 {
				t.Fatalf("create: %v %+v", err, made)
			}
			ec2.SetConsoleOutput(made[0].ID, "booting\ncloud-init: all done\n")
			if out := must("vm", "console", "etl-1", "--bytes", "25"); out != "cloud-init: all done\n" {
				t.Errorf("console --bytes 25 = %q; want its last line whole", out)
			}
			if out := must("vm", "label", "etl-1", "team=data", "tier=web", "--group", "etl"); out != "meshflow-group=etl\nteam=data\ntier=web\n" {
				t.Errorf("label:\n%s", out)
			}
			if out := must("vm", "label", "etl-1", "--rm", "tier"); out != "meshflow-group=etl\nteam=data\n" {
				t.Errorf("label --rm tier:\n%s", out)
			}
			if out := must("vm", "list", "--tag", "team=data"); !strings.Contains(out, "etl-1") {
				t.Errorf("list --tag team=data lacks the labelled VM:\n%s", out)
			}

			if out, err := run("vm", "resize", "etl-1", "--flavor", "t3.large"); err == nil || !strings.Contains(out, "resize to t3.large etl-1:") || !strings.Contains(out, "stop it first") {
				t.Errorf("resize of a running VM: %v\n%s", err, out)
			}
			must("vm", "stop", "etl-1", "--wait")
			if out := must("vm", "resize", "etl-1", "--flavor", "t3.large", "--wait"); !strings.Contains(out, "etl-1 is stopped (stopped), flavor t3.large") {
				t.Errorf("resize of a stopped VM:\n%s", out)
			}

			out := must("vm", "public-ip", "assign", "etl-1")
			_, ip, _ := strings.Cut(out, "etl-1's public addresses: ")
			ip = strings.TrimSpace(ip)
			if ip == "" || ip == "-" {
				t.Fatalf("assign gave no address:\n%s", out)
			}
			if out := must("vm", "public-ip", "release", "etl-1", ip, "--json"); !strings.Contains(out, `"name": "etl-1"`) || strings.Contains(out, ip) {
				t.Errorf("after the release the VM still has %s:\n%s", ip, out)
			}

			if out, err := run("vm", "rebuild", "etl-1", "--image", "ami-0a1b2c3d4e5f60002"); err == nil || !strings.Contains(out, "would rebuild from ami-0a1b2c3d4e5f60002 etl-1 (lab i-") || !strings.Contains(err.Error(), "--yes") {
				t.Errorf("rebuild without --yes: %v\n%s", err, out)
			}
			if out, err := run("vm", "rename", "etl-1", "etl-2"); err == nil || !strings.Contains(out, "this cloud cannot rename to etl-2 a VM") {
				t.Errorf("rename on EC2: %v\n%s", err, out)
			}

			audit := must("audit")
			for _, want := range []string{"vm.resize", "vm.assign-ip", "vm.release-ip", "vm.rename", "vm.label"} {
				if !strings.Contains(audit, want) {
					t.Errorf("audit lacks %s:\n%s", want, audit)
				}
			}
			if strings.Contains(audit, "vm.rebuild") {
				t.Errorf("a rebuild's dry run was audited:\n%s", audit)
			}
		})
	}
}
