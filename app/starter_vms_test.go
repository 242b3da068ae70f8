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

	cfg, err := LoadConfig(Overrides{DataDir: t.TempDir()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(t.Context(), cfg, Options{Examples: os.DirFS("../testdata/examples"), Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// The Azure SDK's fake lives in this process, so the inventory gets the
	// fakes as its connections rather than opening sealed settings.
	a.inventoryOnce.Do(func() {
		a.inventory = cloud.NewInventory(a.Store, clouds, cloud.Options{User: "ann"})
	})
	w := a.Workflows()
	if err := w.Load(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	engineDone := make(chan error, 1)
	go func() { engineDone <- w.run(ctx, false) }()
	defer func() {
		cancel()
		if err := <-engineDone; err != nil {
			t.Errorf("engine: %v", err)
		}
	}()

	run, err := w.Service.Trigger(ctx, "aws-and-azure-vms", map[string]any{
		"aws_image":   "ami-0a1b2c3d4e5f60001",
		"public_key":  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBd2Gd8Z ann@example",
		"ssh_from":    "203.0.113.7/32",
		"ssh_timeout": "2s",
	}, model.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	if run, err = w.Service.Wait(ctx, run.ID); err != nil {
		t.Fatal(err)
	}
	if run.State != model.RunFailed {
		t.Errorf("run = %s (%s), want failed: the VMs cannot answer SSH", run.State, run.Error)
	}
	tasks, err := a.Store.TaskRuns(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]model.TaskState{
		"aws_vm": model.TaskSuccess, "azure_vm": model.TaskSuccess, "ssh_ready": model.TaskFailed,
		"work": model.TaskUpstreamFailed, "cleanup": model.TaskSuccess,
	}
	for _, tr := range tasks {
		if tr.State != want[tr.TaskID] {
			t.Errorf("task %s = %s (%s), want %s", tr.TaskID, tr.State, tr.Error, want[tr.TaskID])
		}
		if tr.TaskID == "ssh_ready" && !strings.Contains(tr.Error, "to be ssh") {
			t.Errorf("ssh_ready failed for another reason than SSH: %s", tr.Error)
		}
		if tr.TaskID == "cleanup" && tr.Outputs["count"] != "2" {
			t.Errorf("cleanup destroyed %q VMs (%s), want both", tr.Outputs["count"], tr.Outputs["names"])
		}
	}

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
	known, err := a.Inventory().VMs(ctx, "", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, vm := range known {
		if vm.State != model.VMDeleted {
			t.Errorf("the inventory still knows %s on %s as %s", vm.Name, vm.Connection, vm.State)
		}
	}
}
