package cloud_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/aws"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

// awsLab is an inventory over a real store whose one connection, "lab",
// is the aws adapter talking to an in-memory EC2.
func awsLab(t *testing.T) (*cloud.Inventory, *ec2fake.Server) {
	t.Helper()
	return awsLabOn(t, openStore(t), ec2fake.Options{}, cloud.Options{})
}

// awsLabOn is awsLab over st, with the fake's and the inventory's options.
func awsLabOn(t *testing.T, st cloud.Store, fo ec2fake.Options, o cloud.Options) (*cloud.Inventory, *ec2fake.Server) {
	t.Helper()
	fo.AccessKeyID = "AKIATESTLAB"
	fake := ec2fake.New(fo)
	t.Cleanup(fake.Close)
	c := conns{"lab": func() (cloud.Provider, error) {
		return aws.New(context.Background(), aws.Config{
			Connection: "lab", Region: "us-east-1", AccessKeyID: "AKIATESTLAB", SecretAccessKey: "lab-secret",
			Endpoint: fake.URL, HTTPClient: fake.Client(), RetryMaxAttempts: 2, RetryMaxBackoff: time.Millisecond,
		})
	}}
	o.User = "Ann"
	return cloud.NewInventory(st, c, o), fake
}

func labSpec() cloud.CreateSpec {
	return cloud.CreateSpec{Image: "ami-0a1b2c3d4e5f60001", Flavor: "t3.micro", SSHFrom: "203.0.113.7/32"}
}

// Names are generated, counted for good, and a name the cloud has is
// refused before anything is made.
func TestCreateNamesAndRefusesDuplicates(t *testing.T) {
	inv, fake := awsLab(t)
	ctx := t.Context()
	made, err := inv.Create(ctx, cloud.CreateRequest{Connection: "lab", Count: 2, Prefix: "Exp 1", Spec: labSpec(), Why: "a test"})
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != 2 || made[0].Name != "ann-exp-1-1" || made[1].Name != "ann-exp-1-2" || made[0].Kind != model.CloudAWS || made[0].Token == "" {
		t.Fatalf("made %+v", made)
	}
	_, err = inv.Create(ctx, cloud.CreateRequest{Connection: "lab", Names: []string{"ann-exp-1-2"}, Spec: labSpec()})
	if !errors.Is(err, model.ErrConflict) || !strings.Contains(err.Error(), "already has a VM named ann-exp-1-2") {
		t.Errorf("duplicate name: %v", err)
	}
	if n := fake.Calls("RunInstances"); n != 2 {
		t.Errorf("RunInstances called %d times, want 2", n)
	}
	h, _ := inv.History(ctx, "lab", made[0].ID, 0)
	if len(h) == 0 || h[len(h)-1].Message != "created by meshflow for a test" {
		t.Errorf("history = %+v", h)
	}
}

// A create whose answer is lost — the cloud made the VM, meshflow never
// heard — stays open, and the next start finishes it with the same token:
// exactly one VM, known to the inventory.
func TestLostCreateIsReconciledToOneVM(t *testing.T) {
	inv, fake := awsLab(t)
	ctx := t.Context()
	fake.LoseResponses("RunInstances", 2) // both of the SDK's attempts
	_, err := inv.Create(ctx, cloud.CreateRequest{Connection: "lab", Names: []string{"lost"}, Spec: labSpec()})
	if !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("create with its answers lost: %v, want unavailable", err)
	}
	if vms, _ := inv.VMs(ctx, "lab", false); len(vms) != 0 {
		t.Fatalf("the inventory knows %d VMs before reconciling", len(vms))
	}
	if err := inv.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if err := inv.Reconcile(ctx); err != nil { // and again: nothing left open
		t.Fatal(err)
	}
	if err := inv.RefreshConnection(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	vms, _ := inv.VMs(ctx, "lab", false)
	if len(vms) != 1 || vms[0].Name != "lost" {
		t.Fatalf("after reconciling the inventory knows %+v, want the one VM", vms)
	}
	if n := fake.Calls("RunInstances"); n != 3 {
		t.Errorf("RunInstances called %d times (two lost, one reconciling), want 3", n)
	}
}

// A refused create is final: the intent is closed, nothing is retried.
func TestRefusedCreateIsFinal(t *testing.T) {
	inv, fake := awsLab(t)
	ctx := t.Context()
	spec := labSpec()
	spec.Image = "ami-0000000000000dead"
	_, err := inv.Create(ctx, cloud.CreateRequest{Connection: "lab", Names: []string{"bad"}, Spec: spec})
	if err == nil || !strings.Contains(err.Error(), `aws connection "lab"`) {
		t.Fatalf("create from an unknown image: %v", err)
	}
	before := fake.Calls("RunInstances")
	if err := inv.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if fake.Calls("RunInstances") != before {
		t.Error("a refused create was asked again")
	}
}

// A create left open for a connection that was removed since is closed,
// not asked again at every start.
func TestReconcileClosesCreatesOfRemovedConnections(t *testing.T) {
	st := openStore(t)
	ctx := t.Context()
	if err := st.AddVMIntent(ctx, model.VMIntent{Token: "tok-gone", Connection: "gone", Name: "x", Spec: []byte(`{}`), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	inv := cloud.NewInventory(st, conns{}, cloud.Options{})
	if err := inv.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if open, _ := st.OpenVMIntents(ctx); len(open) != 0 {
		t.Errorf("the create of a removed connection is still open: %+v", open)
	}
}

// The same request asked again — a task's next try after a crash or a
// lost answer — finds the VMs it made, under their names, and makes only
// the ones still missing.
func TestKeyedCreateAskedAgainMakesNoMore(t *testing.T) {
	inv, fake := awsLab(t)
	ctx := t.Context()
	req := cloud.CreateRequest{Connection: "lab", Count: 2, Prefix: "etl", Spec: labSpec(), Key: "dag etl run 7 task boot"}
	fake.LoseResponses("RunInstances", 2) // the first VM is made; its answers are lost
	if _, err := inv.Create(ctx, req); !errors.Is(err, model.ErrUnavailable) {
		t.Fatalf("first try: %v, want unavailable", err)
	}
	got, err := inv.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// The first VM keeps its name; the counter never gives a name twice.
	if len(got) != 2 || got[0].Name != "ann-etl-1" || !strings.HasPrefix(got[1].Name, "ann-etl-") || got[1].Name == got[0].Name {
		t.Fatalf("second try made %+v", got)
	}
	again, err := inv.Create(ctx, req)
	if err != nil || len(again) != 2 || again[0].ID != got[0].ID || again[1].ID != got[1].ID {
		t.Fatalf("third try = %+v, %v; want the same two VMs", again, err)
	}
	if err := inv.RefreshConnection(ctx, "lab"); err != nil {
		t.Fatal(err)
	}
	if vms, _ := inv.VMs(ctx, "lab", false); len(vms) != 2 {
		t.Errorf("the cloud has %d VMs, want 2", len(vms))
	}
}
