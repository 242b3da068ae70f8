package app

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	sdkfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/cloud/azure"
	"github.com/meshflow/meshflow/backend/cloud/azure/azfake"
	"github.com/meshflow/meshflow/backend/model"
)

// starterClouds are the connections "aws" and "azure" of the starter DAG,
// each its real adapter talking to an in-memory cloud.
type starterClouds struct {
	ec2 *ec2fake.Server
	az  *azfake.Cloud
}

func (starterClouds) Active(context.Context) ([]string, error) { return []string{"aws", "azure"}, nil }

func (c starterClouds) Open(ctx context.Context, name string) (cloud.Provider, error) {
	if name == "aws" {
		return aws.New(ctx, aws.Config{
			Connection: "aws", Region: "us-east-1", AccessKeyID: "AKIASTARTER", SecretAccessKey: "starter-secret",
			Endpoint: c.ec2.URL, HTTPClient: c.ec2.Client(),
		})
	}
	return azure.New(azure.Config{
		Connection: "azure", TenantID: "tenant-1", SubscriptionID: starterSub, ClientID: "app-1", ClientSecret: "starter-secret",
		Location: "westeurope", ResourceGroup: "starter-rg", Credential: &sdkfake.TokenCredential{},
		ClientOptions: &arm.ClientOptions{ClientOptions: azcore.ClientOptions{
			Transport: c.az, Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond},
		}},
		PollFrequency: 5 * time.Millisecond,
	})
}

// starterWorkflows runs the engine over a new data dir seeded with the
// real starter DAGs, its inventory over clouds, until the test ends.
func starterWorkflows(t *testing.T, clouds cloud.Connections, o cloud.Options) *Workflows {
	t.Helper()
	cfg, err := LoadConfig(Overrides{DataDir: t.TempDir()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(t.Context(), cfg, Options{Examples: os.DirFS("../testdata/examples"), Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	// The Azure SDK's fake lives in this process, so the inventory gets the
	// fakes as its connections rather than opening sealed settings.
	a.inventoryOnce.Do(func() { a.inventory = cloud.NewInventory(a.Store, clouds, o) })
	w := a.Workflows()
	if err := w.Load(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.run(ctx, false) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("engine: %v", err)
		}
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	return w
}

// runStarter triggers a starter DAG by hand and returns its ended run and
// the state of each task.
func runStarter(t *testing.T, w *Workflows, name string, params map[string]any) (model.Run, map[string]model.TaskRun) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	run, err := w.Service.Trigger(ctx, name, params, model.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if run, err = w.Service.Wait(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	trs, err := w.app.Store.TaskRuns(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	tasks := map[string]model.TaskRun{}
	for _, tr := range trs {
		tasks[tr.TaskID] = tr
	}
	return run, tasks
}

const starterSub = "00000000-0000-0000-0000-0000000000aa"

// The aws-and-azure-vms starter, as shipped, through the real engine and
// both adapters: the VMs never answer SSH (the fakes' addresses lead
// nowhere), so the middle fails, and the all_done cleanup still destroys
// both VMs — nothing is left running on either cloud, and the inventory
// knows none.
func TestAWSAndAzureStarterDestroysBothWhenTheMiddleFails(t *testing.T) {
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIASTARTER"})
	t.Cleanup(ec2.Close)
	clouds := starterClouds{ec2: ec2, az: azfake.New(starterSub)}
	azureBefore := clouds.az.Resources()

	w := starterWorkflows(t, clouds, cloud.Options{User: "ann"})
	run, tasks := runStarter(t, w, "aws-and-azure-vms", map[string]any{
		"aws_image":   "ami-0a1b2c3d4e5f60001",
		"public_key":  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBd2Gd8Z ann@example",
		"ssh_from":    "203.0.113.7/32",
		"ssh_timeout": "2s",
	})
	if run.State != model.RunFailed {
		t.Errorf("run = %s (%s), want failed: the VMs cannot answer SSH", run.State, run.Error)
	}
	want := map[string]model.TaskState{
		"aws_vm": model.TaskSuccess, "azure_vm": model.TaskSuccess, "ssh_ready": model.TaskFailed,
		"work": model.TaskUpstreamFailed, "cleanup": model.TaskSuccess,
	}
	for id, state := range want {
		if tasks[id].State != state {
			t.Errorf("task %s = %s (%s), want %s", id, tasks[id].State, tasks[id].Error, state)
		}
	}
	if e := tasks["ssh_ready"].Error; !strings.Contains(e, "to be ssh") {
		t.Errorf("ssh_ready failed for another reason than SSH: %s", e)
	}
	if out := tasks["cleanup"].Outputs; out["count"] != "2" {
		t.Errorf("cleanup destroyed %q VMs (%s), want both", out["count"], out["names"])
	}

	ctx := t.Context()
	p, err := clouds.Open(ctx, "aws")
	if err != nil {
		t.Fatal(err)
	}
	onEC2, err := p.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, vm := range onEC2 {
		if vm.State != model.VMDeleted {
			t.Errorf("left on EC2: %s %s", vm.Name, vm.State)
		}
	}
	if len(onEC2) != 1 {
		t.Errorf("EC2 lists %d instances, want the one terminated", len(onEC2))
	}
	// The network security group and the virtual network meshflow made
	// stay for the next VMs, as they would on Azure; everything of the VM
	// itself is gone.
	for _, id := range clouds.az.Resources() {
		for _, kind := range []string{"/virtualMachines/", "/networkInterfaces/", "/publicIPAddresses/", "/disks/"} {
			if strings.Contains(id, kind) {
				t.Errorf("left on Azure: %s (was %v before)", id, azureBefore)
			}
		}
	}
	known, err := w.app.Inventory().VMs(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, vm := range known {
		if vm.State != model.VMDeleted {
			t.Errorf("the inventory still knows %s on %s as %s", vm.Name, vm.Connection, vm.State)
		}
	}
}

// evening-stop, morning-start and forgotten-vm-reaper as shipped, through
// the real engine against ec2fake and azfake, thirteen hours after the VMs
// were launched: the first two act on the VMs tagged for office hours and
// on no other, and an Azure VM is deallocated, not left stopped and billed;
// the reaper does the same to the VMs left running with nothing using
// them, and to neither the one tagged to be kept nor the one started this
// morning.
func TestOfficeHoursAndReaperStarters(t *testing.T) {
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIASTARTER"})
	t.Cleanup(ec2.Close)
	later := func() time.Time { return time.Now().Add(13 * time.Hour) }
	w := starterWorkflows(t, starterClouds{ec2: ec2, az: azfake.New(starterSub)}, cloud.Options{User: "ann", Now: later})
	inv := w.app.Inventory()
	ctx := t.Context()
	office := map[string]string{"schedule": "office-hours"}
	for _, vm := range []struct {
		conn, name string
		tags       map[string]string
	}{
		{"aws", "office", office},
		{"aws", "kept", map[string]string{cloud.KeepTag: "true"}},
		{"aws", "idle", nil},
		{"azure", "az-office", office},
		{"azure", "az-idle", nil},
	} {
		spec := cloud.CreateSpec{
			Image: "ami-0a1b2c3d4e5f60001", Flavor: "t3.micro", SSHFrom: "203.0.113.7/32", Tags: vm.tags,
			PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBd2Gd8Z ann@example",
		}
		if vm.conn == "azure" {
			spec.Image, spec.Flavor = "", ""
		}
		if _, err := inv.Create(ctx, cloud.CreateRequest{Connection: vm.conn, Names: []string{vm.name}, Spec: spec}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := inv.Refresh(ctx); err != nil { // all running
		t.Fatal(err)
	}
	states := func() string {
		vms, err := inv.VMs(ctx, "", false)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, vm := range vms {
			out = append(out, vm.Name+"="+string(vm.State))
		}
		return strings.Join(out, " ")
	}

	for _, step := range []struct{ dag, want string }{
		{"evening-stop", "idle=running kept=running office=stopped az-idle=running az-office=suspended"},
		{"morning-start", "idle=running kept=running office=running az-idle=running az-office=running"},
		{"forgotten-vm-reaper", "idle=stopped kept=running office=running az-idle=suspended az-office=running"},
	} {
		run, tasks := runStarter(t, w, step.dag, nil)
		if run.State != model.RunSuccess {
			t.Fatalf("%s = %s (%s); tasks %+v", step.dag, run.State, run.Error, tasks)
		}
		if got := states(); got != step.want {
			t.Errorf("after %s: %s, want %s", step.dag, got, step.want)
		}
	}
	// With nothing forgotten, the reaper's stop is skipped, not failed.
	run, tasks := runStarter(t, w, "forgotten-vm-reaper", nil)
	if run.State != model.RunSuccess || tasks["stop"].State != model.TaskSkipped || tasks["deallocate"].State != model.TaskSkipped {
		t.Errorf("reaper with nothing to stop = %s, stop %s, deallocate %s (%s)", run.State, tasks["stop"].State, tasks["deallocate"].State, tasks["deallocate"].Error)
	}
}
