package cloud_test

import (
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	sdkfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/azure"
	"github.com/meshflow/meshflow/backend/cloud/azure/azfake"
	"github.com/meshflow/meshflow/backend/model"
)

const azSub = "00000000-0000-0000-0000-0000000000ab"

// azureOn opens the azure adapter of connection name on an in-memory
// Azure, resource group "lab-rg" in westeurope.
func azureOn(c *azfake.Cloud, name string) func() (cloud.Provider, error) {
	return func() (cloud.Provider, error) {
		return azure.New(azure.Config{
			Connection: name, TenantID: "tenant-1", SubscriptionID: azSub, ClientID: "app-1", ClientSecret: "lab-secret",
			Location: "westeurope", ResourceGroup: "lab-rg", Credential: &sdkfake.TokenCredential{},
			ClientOptions: &arm.ClientOptions{ClientOptions: azcore.ClientOptions{
				Transport: c, Retry: policy.RetryOptions{MaxRetries: 2, RetryDelay: time.Millisecond},
			}},
			PollFrequency: 5 * time.Millisecond,
		})
	}
}

// Azure forgets a deleted VM at once. After a destroy the inventory must
// say deleted, not the running it last saw, or the VMs page shows it
// running and the guard calls it forgotten until the next refresh.
func TestDestroyedAzureVMIsDeletedAtOnce(t *testing.T) {
	open := azureOn(azfake.New(azSub), "az")
	inv := cloud.NewInventory(openStore(t), conns{"az": open}, cloud.Options{User: "ann"})
	ctx := t.Context()
	made, err := inv.Create(ctx, cloud.CreateRequest{Connection: "az", Names: []string{"gone-1", "gone-2"}, Spec: cloud.CreateSpec{
		SSHFrom: "203.0.113.7/32", PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBd2Gd8Z ann@example",
	}})
	if err != nil || len(made) != 2 {
		t.Fatalf("create: %v, %v", made, err)
	}
	got, err := inv.Act(ctx, "az", made[0].ID, cloud.Destroy, "a test")
	if err != nil || got.State != model.VMDeleted {
		t.Errorf("destroy = %s, %v; want deleted", got.State, err)
	}
	if vms, _ := inv.VMs(ctx, "az", false); vms[1].State != model.VMRunning {
		t.Fatalf("the other VM is %s before its destroy", vms[1].State)
	}
	// The other destroyed behind the inventory's back, and waited for.
	p, err := open()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Destroy(ctx, made[1].ID); err != nil {
		t.Fatal(err)
	}
	if got, err = inv.Wait(ctx, "az", made[1].ID, cloud.UntilDeleted, time.Millisecond); err != nil || got.State != model.VMDeleted {
		t.Errorf("wait until deleted = %s, %v", got.State, err)
	}
	vms, err := inv.VMs(ctx, "az", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, vm := range vms {
		if vm.State != model.VMDeleted {
			t.Errorf("%s is %s after its destroy", vm.Name, vm.State)
		}
	}
}
