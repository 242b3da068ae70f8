package cloud_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/openstack"
	"github.com/meshflow/meshflow/backend/cloud/openstack/osfake"
	"github.com/meshflow/meshflow/backend/model"
)

// A create on OpenStack that asks for a public IP waits for the server to
// be ACTIVE, then binds it one floating IP; the request asked again finds
// that address instead of taking a second, and destroying the VM gives
// the address back.
func TestCreateWithPublicIPOnOpenStack(t *testing.T) {
	fake := osfake.New()
	t.Cleanup(fake.Close)
	c := conns{"chi": func() (cloud.Provider, error) {
		return openstack.New(context.Background(), openstack.Config{
			Connection: "chi", AuthURL: fake.AuthURL(), Region: osfake.Region,
			Username: osfake.Username, Password: osfake.Password, UserDomainName: osfake.DomainName,
			ProjectName: osfake.ProjectName, ProjectDomainName: osfake.DomainName, HTTPClient: fake.Client(),
		})
	}}
	inv := cloud.NewInventory(openStore(t), c, cloud.Options{User: "ann", Poll: 10 * time.Millisecond})
	ctx := t.Context()
	req := cloud.CreateRequest{
		Connection: "chi", Names: []string{"web"}, Key: "run 1 task boot",
		Spec: cloud.CreateSpec{Image: osfake.DefaultImage, Flavor: osfake.DefaultFlavor, SSHFrom: "198.51.100.7/32", PublicIP: true},
	}
	made, err := inv.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	vm := made[0]
	if vm.State != model.VMRunning || len(vm.PublicIPs) != 1 || fake.FloatingIPCount() != 1 {
		t.Fatalf("made %s with public %v, %d floating IPs; want running with one", vm.State, vm.PublicIPs, fake.FloatingIPCount())
	}
	if h, _ := inv.History(ctx, "chi", vm.ID, 0); !strings.Contains(h[0].Message, "public IP "+vm.PublicIPs[0]+" given by meshflow") {
		t.Errorf("history starts %+v", h[0])
	}
	again, err := inv.Create(ctx, req)
	if err != nil || again[0].ID != vm.ID || fake.FloatingIPCount() != 1 {
		t.Fatalf("asked again: %+v, %v, %d floating IPs", again, err, fake.FloatingIPCount())
	}
	if _, err := inv.Act(ctx, "chi", vm.ID, cloud.Destroy, "a test"); err != nil {
		t.Fatal(err)
	}
	if n := fake.FloatingIPCount(); n != 0 {
		t.Errorf("%d floating IPs left after the destroy", n)
	}
}
