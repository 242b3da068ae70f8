package ops

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/cloud/hosts"
	"github.com/meshflow/meshflow/backend/cloud/openstack"
	"github.com/meshflow/meshflow/backend/cloud/openstack/osfake"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/store"
)

type hostConns struct{ hosts []model.SSHHost }

func (h hostConns) Active(context.Context) ([]string, error) { return []string{"here"}, nil }
func (h hostConns) Open(context.Context, string) (cloud.Provider, error) {
	return hosts.New(hosts.Config{Connection: "here", Hosts: h.hosts}), nil
}

// sshd answers each connection with an SSH banner, as OpenSSH does.
func sshd(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n"))
			c.Close()
		}
	}()
	return ln.Addr().(*net.TCPAddr).Port
}

func hostInventory(t *testing.T) *cloud.Inventory {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	inv := cloud.NewInventory(st, hostConns{hosts: []model.SSHHost{
		{Name: "web", Address: "127.0.0.1", Port: sshd(t), User: "ann"},
		{Name: "db", Address: "127.0.0.1", Port: sshd(t), User: "ann"},
	}}, cloud.Options{})
	if err := inv.RefreshConnection(t.Context(), "here"); err != nil {
		t.Fatal(err)
	}
	return inv
}

// vm.list and vm.wait give later tasks the VMs' names, ids and addresses;
// a lifecycle verb a host cannot do fails the task naming the VMs.
func TestVMOpsOnHosts(t *testing.T) {
	inv := hostInventory(t)
	ctx := t.Context()

	task, log := newTask(t, map[string]any{"connection": "here"})
	out, err := VMList{VMs: inv}.Run(ctx, task)
	if err != nil {
		t.Fatal(err)
	}
	if out["count"] != "2" || out["names"] != "db web" || out["private_ips"] != "127.0.0.1 127.0.0.1" || out["name"] != "db" {
		t.Errorf("vm.list outputs = %v", out)
	}
	if !strings.Contains(log.String(), "here\tweb\t127.0.0.1:") {
		t.Errorf("vm.list log = %q", log)
	}

	task, _ = newTask(t, map[string]any{"names": []any{"web"}, "until": "ssh", "poll": "10ms", "timeout": "5s"})
	out, err = VMWait{VMs: inv}.Run(ctx, task)
	if err != nil || out["name"] != "web" || out["count"] != "1" {
		t.Errorf("vm.wait for ssh = %v, %v", out, err)
	}

	task, _ = newTask(t, map[string]any{"group": "nope"})
	if _, err := (VMAction{Action: cloud.Stop, VMs: inv}).Run(ctx, task); err == nil || !strings.Contains(err.Error(), "vm.stop: no VM matches group nope") {
		t.Errorf("vm.stop of no VM: %v", err)
	}
	task, _ = newTask(t, map[string]any{"names": "web db"})
	_, err = VMAction{Action: cloud.Stop, VMs: inv}.Run(ctx, task)
	if err == nil || err.Error() != "vm.stop: 2 of 2 VMs refused: web, db (see the log)" {
		t.Errorf("vm.stop of hosts: %v", err)
	}
	task, _ = newTask(t, map[string]any{"until": "soon"})
	if _, err := (VMWait{VMs: inv}).Run(ctx, task); err == nil || !strings.Contains(err.Error(), `"soon" is not running, stopped, deleted, ssh or none`) {
		t.Errorf("vm.wait until soon: %v", err)
	}
}

// What a VM is created with is kept in the clear, so vm.create refuses a
// secret in any argument before anything is made.
func TestVMCreateRefusesSecrets(t *testing.T) {
	inv := hostInventory(t)
	task, _ := newTask(t, map[string]any{"connection": "here", "tags": map[string]any{"token": "hunter2-secret"}})
	task.Secrets = tasklog.NewMasker([]string{"hunter2-secret"})
	_, err := VMCreate{VMs: inv}.Run(t.Context(), task)
	if err == nil || !strings.Contains(err.Error(), "with.tags holds a secret") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("vm.create with a secret tag: %v", err)
	}
	if vms, _ := inv.VMs(t.Context(), "", true); len(vms) != 2 {
		t.Errorf("the inventory changed: %d VMs", len(vms))
	}
}

// vm.list forgotten: true is what the reaper stops, so it must leave out a
// VM tagged to be kept and one an active run uses, and honour its
// threshold.
func TestVMListForgotten(t *testing.T) {
	fake := ec2fake.New(ec2fake.Options{})
	t.Cleanup(fake.Close)
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	later := func() time.Time { return time.Now().Add(13 * time.Hour) }
	inv := cloud.NewInventory(st, awsConns{fake}, cloud.Options{User: "ann", Now: later})
	ctx := t.Context()
	spec := cloud.CreateSpec{Image: "ami-0a1b2c3d4e5f60001", Flavor: "t3.micro", SSHFrom: "203.0.113.7/32"}
	if _, err := inv.Create(ctx, cloud.CreateRequest{Connection: "lab", Names: []string{"idle", "used"}, Spec: spec}); err != nil {
		t.Fatal(err)
	}
	spec.Tags = map[string]string{cloud.KeepTag: "true"}
	if _, err := inv.Create(ctx, cloud.CreateRequest{Connection: "lab", Names: []string{"kept"}, Spec: spec}); err != nil {
		t.Fatal(err)
	}
	used, err := inv.Select(ctx, cloud.Selector{Names: []string{"used"}})
	if err != nil {
		t.Fatal(err)
	}
	run := &model.Run{DAG: "nightly", State: model.RunQueued, Trigger: model.TriggerManual, LogicalDate: time.Now(), QueuedAt: time.Now()}
	if err := st.CreateRun(ctx, run, []byte("name: nightly\n"), nil); err != nil {
		t.Fatal(err)
	}
	if err := inv.Use(ctx, "lab", used[0].ID, run.ID); err != nil {
		t.Fatal(err)
	}

	list := VMList{VMs: inv, Guard: inv}
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{}, "idle kept used"},
		{map[string]any{"forgotten": true}, "idle"},
		{map[string]any{"forgotten": true, "forgotten_after": "14h"}, ""},
	} {
		task, _ := newTask(t, c.args)
		out, err := list.Run(ctx, task)
		if err != nil || out["names"] != c.want {
			t.Errorf("vm.list %v = %q, %v; want %q", c.args, out["names"], err, c.want)
		}
	}
}

type awsConns struct{ fake *ec2fake.Server }

func (awsConns) Active(context.Context) ([]string, error) { return []string{"lab"}, nil }
func (c awsConns) Open(ctx context.Context, _ string) (cloud.Provider, error) {
	return aws.New(ctx, aws.Config{Connection: "lab", Region: "us-east-1", AccessKeyID: "AKIALAB", SecretAccessKey: "x", Endpoint: c.fake.URL})
}

type osConns struct{ fake *osfake.Cloud }

func (osConns) Active(context.Context) ([]string, error) { return []string{"chi"}, nil }
func (c osConns) Open(ctx context.Context, _ string) (cloud.Provider, error) {
	return openstack.New(ctx, openstack.Config{
		Connection: "chi", AuthURL: c.fake.AuthURL(), Region: osfake.Region,
		Username: osfake.Username, Password: osfake.Password, UserDomainName: osfake.DomainName,
		ProjectName: osfake.ProjectName, ProjectDomainName: osfake.DomainName, HTTPClient: c.fake.Client(),
	})
}

func osInventory(t *testing.T) (*cloud.Inventory, []string) {
	t.Helper()
	fake := osfake.New()
	t.Cleanup(fake.Close)
	ids := fake.Seed(2)
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	inv := cloud.NewInventory(st, osConns{fake}, cloud.Options{Poll: 10 * time.Millisecond})
	if err := inv.RefreshConnection(t.Context(), "chi"); err != nil {
		t.Fatal(err)
	}
	return inv, ids
}

// On OpenStack a resize waits in VERIFY_RESIZE: vm.resize confirms it
// once Nova asks, unless told to leave it, and with wait returns only
// when the VM runs on the new flavor.
func TestVMResizeOnOpenStack(t *testing.T) {
	ctx := t.Context()
	for _, c := range []struct {
		name      string
		args      map[string]any
		wantState string // the VM's Nova status once the op returns
	}{
		{"confirmed and waited for", map[string]any{"wait": true}, "ACTIVE"},
		{"left to confirm", map[string]any{"confirm": false, "wait": true}, "VERIFY_RESIZE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv, ids := osInventory(t)
			c.args["ids"], c.args["flavor"], c.args["poll"] = []any{ids[0]}, "m1.large", "10ms"
			task, log := newTask(t, c.args)
			out, err := VMResize{VMs: inv, Resizer: inv}.Run(ctx, task)
			if err != nil {
				t.Fatalf("vm.resize: %v\n%s", err, log)
			}
			if out["ids"] != ids[0] || out["count"] != "1" {
				t.Errorf("outputs = %v", out)
			}
			vm, err := inv.Select(ctx, cloud.Selector{IDs: []string{ids[0]}})
			if err != nil {
				t.Fatal(err)
			}
			if vm[0].Flavor != "m1.large" || vm[0].CloudState != c.wantState {
				t.Errorf("after vm.resize the VM is %s on %s; want %s on m1.large", vm[0].CloudState, vm[0].Flavor, c.wantState)
			}
			events, err := inv.History(ctx, "chi", ids[0], 10)
			if err != nil {
				t.Fatal(err)
			}
			var history []string
			for _, e := range events {
				history = append(history, e.Message)
			}
			confirmed := strings.Contains(strings.Join(history, "\n"), "confirm the resize asked by run 7 of d, task t")
			if confirmed != (c.wantState == "ACTIVE") {
				t.Errorf("confirmed = %v; history:\n%s", confirmed, strings.Join(history, "\n"))
			}
		})
	}
}

// EC2 changes the type of a stopped instance only: vm.resize moves a
// stopped VM, which stays stopped, and fails naming a running one; a
// missing flavor is refused before any VM is touched.
func TestVMResizeOnEC2(t *testing.T) {
	fake := ec2fake.New(ec2fake.Options{})
	t.Cleanup(fake.Close)
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	inv := cloud.NewInventory(st, awsConns{fake}, cloud.Options{User: "ann", Poll: 10 * time.Millisecond})
	ctx := t.Context()
	spec := cloud.CreateSpec{Image: "ami-0a1b2c3d4e5f60001", Flavor: "t3.micro", SSHFrom: "203.0.113.7/32"}
	vms, err := inv.Create(ctx, cloud.CreateRequest{Connection: "lab", Names: []string{"cold", "hot"}, Spec: spec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := inv.Act(ctx, "lab", vms[0].ID, cloud.Stop, "test"); err != nil {
		t.Fatal(err)
	}
	resize := VMResize{VMs: inv, Resizer: inv}

	task, _ := newTask(t, map[string]any{"names": []any{"cold"}})
	if _, err := resize.Run(ctx, task); err == nil || !strings.Contains(err.Error(), "with.flavor is empty") {
		t.Errorf("vm.resize with no flavor: %v", err)
	}

	task, log := newTask(t, map[string]any{"names": []any{"cold"}, "flavor": "t3.large", "wait": true, "poll": "10ms", "timeout": "5s"})
	out, err := resize.Run(ctx, task)
	if err != nil || out["names"] != "cold" {
		t.Fatalf("vm.resize of a stopped VM = %v, %v\n%s", out, err, log)
	}
	got, err := inv.Select(ctx, cloud.Selector{Names: []string{"cold"}})
	if err != nil || got[0].Flavor != "t3.large" || got[0].State != model.VMStopped {
		t.Errorf("after the resize cold is %v; want stopped on t3.large (%v)", got, err)
	}

	task, log = newTask(t, map[string]any{"names": []any{"hot"}, "flavor": "t3.large"})
	_, err = resize.Run(ctx, task)
	if err == nil || err.Error() != "vm.resize: 1 of 1 VMs refused: hot (see the log)" || !strings.Contains(log.String(), "stop it first") {
		t.Errorf("vm.resize of a running VM: %v\n%s", err, log)
	}
}
