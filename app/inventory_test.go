package app

import (
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

// The server's turn of the forgotten-VM guard stops a VM whose warning
// has stood its hour, on the cloud, and the audit log has the stop with
// the source system.
func TestGuardTurnStopsAndAudits(t *testing.T) {
	ctx := t.Context()
	cfg, err := LoadConfig(Overrides{DataDir: t.TempDir()}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	// The cloud launched the VM five hours ago, by its clock.
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAGUARD", Clock: func() time.Time { return time.Now().Add(-5 * time.Hour) }})
	t.Cleanup(ec2.Close)
	if _, err := a.Connections().Add(ctx, model.Connection{
		Name: "lab", Kind: model.CloudAWS, Active: true,
		Settings: map[string]string{"region": "us-east-1", "access_key_id": "AKIAGUARD", "endpoint": ec2.URL},
		Secrets:  map[string]string{"secret_access_key": "guard-secret"},
	}); err != nil {
		t.Fatal(err)
	}
	inv := a.Inventory()
	made, err := inv.Create(ctx, cloud.CreateRequest{
		Connection: "lab", Names: []string{"old"},
		Spec: cloud.CreateSpec{Image: "ami-0a1b2c3d4e5f60001", Flavor: "t3.micro", SSHFrom: "203.0.113.7/32"},
	})
	if err != nil {
		t.Fatal(err)
	}
	vm := made[0]
	if err := a.Store.SaveVMSettings(ctx, model.VMSettings{NamePattern: model.CloudmeshNamePattern, StopForgottenAfter: 2 * time.Hour, StopWarning: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.AddVMEvent(ctx, model.VMEvent{At: time.Now().Add(-61 * time.Minute), Connection: "lab", VMID: vm.ID, Name: vm.Name, Kind: model.VMWarned, Message: "forgotten"}); err != nil {
		t.Fatal(err)
	}
	a.guardForgotten(ctx, inv)
	events, err := a.Store.AuditEvents(ctx, model.AuditFilter{Source: model.SourceSystem})
	if err != nil || len(events) != 1 {
		t.Fatalf("system events = %+v, %v", events, err)
	}
	if e := events[0]; e.Action != model.ActionVMStop || e.Target.ID != "lab/"+vm.ID || e.Outcome != model.OutcomeDone || e.Actor != cloud.GuardWhy {
		t.Errorf("event = %+v", e)
	}
	if n := ec2.Calls("StopInstances"); n != 1 {
		t.Errorf("StopInstances called %d times", n)
	}
}
