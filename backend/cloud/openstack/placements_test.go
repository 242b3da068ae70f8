package openstack

import (
	"context"
	"testing"

	"github.com/meshflow/meshflow/backend/cloud/openstack/osfake"
)

const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ann@lab"

// Placements lists the key pairs, the project's security groups and the
// networks a server can go on, leaving out the external one.
func TestPlacementsListWhatAServerIsMadeWith(t *testing.T) {
	fake, _ := newCloud(t)
	p := connect(t, fake)
	if err := p.ImportKey(context.Background(), "lab-key", testKey); err != nil {
		t.Fatal(err)
	}
	pl, err := p.Placements(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(pl.KeyPairs) != 1 || pl.KeyPairs[0].ID != "lab-key" {
		t.Errorf("key pairs = %+v, want lab-key", pl.KeyPairs)
	}
	if len(pl.SecurityGroups) == 0 || pl.SecurityGroups[0].Name != "default" {
		t.Errorf("security groups = %+v, want default", pl.SecurityGroups)
	}
	if len(pl.Networks) != 1 || pl.Networks[0].Name != osfake.PrivateNet {
		t.Errorf("networks = %+v, want only %s", pl.Networks, osfake.PrivateNet)
	}
}
