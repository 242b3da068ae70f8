package cloud_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

type busySet map[string]bool

func (b busySet) BusyVMs(context.Context) (map[string]bool, error) { return b, nil }

// A VM billed for longer than the threshold, used by no run and not
// marked to keep, is forgotten, with what it has cost so far and costs a
// day; a stopped, kept, busy, young or static one is not.
func TestForgottenVMs(t *testing.T) {
	st := openStore(t)
	ctx := t.Context()
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	vm := func(id, state, flavor string, launched time.Time, tags map[string]string) model.VM {
		return model.VM{
			Connection: "lab", Kind: model.CloudAWS, ID: id, Name: id, State: model.VMState(state),
			Region: "us-east-1", Flavor: flavor, LaunchedAt: launched, Tags: tags,
		}
	}
	seen := now.Add(-30 * time.Hour)
	snap := model.VMSnapshot{Connection: "lab", At: seen, Seen: []model.VM{
		vm("old", "running", "t3.medium", now.Add(-26*time.Hour), nil),
		vm("unpriced", "running", "x9.huge", now.Add(-13*time.Hour), nil),
		vm("young", "running", "t3.micro", now.Add(-2*time.Hour), nil),
		vm("stopped", "stopped", "t3.micro", now.Add(-40*time.Hour), nil),
		vm("kept", "running", "t3.micro", now.Add(-40*time.Hour), map[string]string{cloud.KeepTag: "true"}),
		vm("busy", "running", "t3.micro", now.Add(-40*time.Hour), nil),
	}}
	if err := st.ApplySnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	if err := st.ApplySnapshot(ctx, model.VMSnapshot{Connection: "here", At: seen, Seen: []model.VM{
		{Connection: "here", Kind: model.CloudHosts, ID: "127.0.0.1:22", Name: "me", State: model.VMRunning},
	}}); err != nil {
		t.Fatal(err)
	}
	inv := cloud.NewInventory(st, conns{}, cloud.Options{Now: func() time.Time { return now }})
	prices, err := cloud.LoadPrices(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := inv.Forgotten(ctx, 12*time.Hour, prices, busySet{"lab/busy": true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].VM.ID != "old" || got[1].VM.ID != "unpriced" {
		t.Fatalf("forgotten = %+v", got)
	}
	old := got[0]
	if old.For != 26*time.Hour || !old.Priced || old.Price.Unit != "USD" || math.Abs(old.SoFar-0.0416*26) > 1e-9 || math.Abs(old.PerDay-0.0416*24) > 1e-9 {
		t.Errorf("old = %+v", old)
	}
	if got[1].Priced || got[1].SoFar != 0 {
		t.Errorf("a flavor without a price got one: %+v", got[1])
	}
}

// The user's price rows replace the embedded ones and add new flavors; a
// bad row is refused with its file and line.
func TestUserPrices(t *testing.T) {
	p, err := cloud.LoadPrices([]byte("cloud,region,flavor,unit,per_hour,as_of,source\naws,us-east-1,t3.medium,USD,0.03,2026-12,our contract\nopenstack,*,gpu.big,SU,64,2026-12,allocation\n"), "prices.csv")
	if err != nil {
		t.Fatal(err)
	}
	if pr, ok := p.Of(model.CloudAWS, "us-east-1", "t3.medium"); !ok || pr.PerHour != 0.03 || pr.Source != "our contract" {
		t.Errorf("overridden price = %+v %v", pr, ok)
	}
	if pr, ok := p.Of(model.CloudOpenStack, "CHI@UC", "gpu.big"); !ok || pr.Unit != "SU" {
		t.Errorf("wildcard region price = %+v %v", pr, ok)
	}
	if pr, ok := p.Of(model.CloudAzure, "eastus", "Standard_B2s"); !ok || pr.PerHour != 0.0416 {
		t.Errorf("embedded price = %+v %v", pr, ok)
	}
	if _, ok := p.Of(model.CloudAzure, "westeurope", "Standard_B2s"); ok {
		t.Error("a price was made up for a region the table does not have")
	}
	_, err = cloud.LoadPrices([]byte("aws,us-east-1,t3.medium,USD,cheap,2026-12,x\n"), "prices.csv")
	if err == nil || !strings.Contains(err.Error(), "prices.csv:1: per_hour \"cheap\" is not a price") {
		t.Errorf("bad price: %v", err)
	}
	if _, err := cloud.LoadPrices([]byte("aws,us-east-1\n"), "prices.csv"); err == nil || !strings.Contains(err.Error(), "prices.csv") {
		t.Errorf("short row: %v", err)
	}
}

// An Azure VM powered off but not deallocated is billed in full, so it is
// forgotten like a running one.
func TestStoppedButAllocatedAzureVMIsForgotten(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	vm := model.VM{
		Connection: "az", Kind: model.CloudAzure, ID: "/subscriptions/s/vm1", Name: "vm1", Region: "eastus",
		Flavor: "Standard_B2s", State: model.VMStopped, CloudState: "PowerState/stopped", StillBilled: true, LaunchedAt: now.Add(-20 * time.Hour),
	}
	deallocated := vm
	deallocated.ID, deallocated.Name, deallocated.State, deallocated.CloudState, deallocated.StillBilled = "/subscriptions/s/vm2", "vm2", model.VMSuspended, "PowerState/deallocated", false
	if err := st.ApplySnapshot(t.Context(), model.VMSnapshot{Connection: "az", At: now.Add(-19 * time.Hour), Seen: []model.VM{vm, deallocated}}); err != nil {
		t.Fatal(err)
	}
	inv := cloud.NewInventory(st, conns{}, cloud.Options{Now: func() time.Time { return now }})
	prices, _ := cloud.LoadPrices(nil, "")
	got, err := inv.Forgotten(t.Context(), 12*time.Hour, prices, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].VM.Name != "vm1" || !got[0].VM.StillBilled || got[0].For != 20*time.Hour {
		t.Errorf("forgotten = %+v", got)
	}
}
