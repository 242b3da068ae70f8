package azure

import (
	"context"

	"github.com/meshflow/meshflow/backend/model"
)

// images is a short list of marketplace images most people start from.
// Azure's image catalogue is enumerated publisher by publisher, offer by
// offer (thousands of calls), so meshflow offers these and takes any
// other URN or image id typed in.
var images = []model.Image{
	{ID: "Canonical:ubuntu-24_04-lts:server:latest", Name: "Ubuntu Server 24.04 LTS", OS: "linux"},
	{ID: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest", Name: "Ubuntu Server 22.04 LTS", OS: "linux"},
	{ID: "Debian:debian-12:12-gen2:latest", Name: "Debian 12", OS: "linux"},
	{ID: "RedHat:RHEL:9-lvm-gen2:latest", Name: "Red Hat Enterprise Linux 9", OS: "linux"},
	{ID: "almalinux:almalinux-x86_64:9-gen2:latest", Name: "AlmaLinux 9", OS: "linux"},
}

// Images returns the curated marketplace images.
func (p *Provider) Images(context.Context) ([]model.Image, error) {
	return append([]model.Image(nil), images...), nil
}

// Flavors lists the VM sizes of the connection's location.
func (p *Provider) Flavors(ctx context.Context) ([]model.Flavor, error) {
	if p.cfg.Location == "" {
		return nil, model.Errorf(model.ErrInvalid, "azure connection %q: no location to list VM sizes of", p.cfg.Connection)
	}
	pager := p.sizes.NewListPager(p.cfg.Location, nil)
	var out []model.Flavor
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, p.fail("list sizes in "+p.cfg.Location, err)
		}
		for _, s := range page.Value {
			out = append(out, model.Flavor{
				ID: deref(s.Name), Name: deref(s.Name),
				VCPUs: int(deref(s.NumberOfCores)), MemoryMB: int(deref(s.MemoryInMB)),
				DiskGB: int(deref(s.OSDiskSizeInMB) / 1024),
			})
		}
	}
	return out, nil
}
