package openstack

import (
	"context"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
)

// Suspend is Nova's suspend: the server's memory is saved to the
// hypervisor's disk and it resumes where it was, as EC2 hibernation does,
// in seconds and under every cloud's default policy. Shelving frees the
// host as well but snapshots the disk to Glance first (minutes, image
// quota) and boots afresh; Resume undoes either, so a server shelved from
// Horizon comes back through meshflow too.
func (p *Provider) Suspend(ctx context.Context, id string) error {
	return p.act("suspend", id, servers.Suspend(ctx, p.compute, id).ExtractErr())
}

// Resume resumes a suspended server, unshelves a shelved one and unpauses
// a paused one: the one verb for "bring it back".
func (p *Provider) Resume(ctx context.Context, id string) error {
	s, err := servers.Get(ctx, p.compute, id).Extract()
	if err != nil {
		return p.fail("resume "+id, err)
	}
	switch s.Status {
	case "SHELVED", "SHELVED_OFFLOADED":
		return p.act("unshelve", id, servers.Unshelve(ctx, p.compute, id, servers.UnshelveOpts{}).ExtractErr())
	case "PAUSED":
		return p.act("unpause", id, servers.Unpause(ctx, p.compute, id).ExtractErr())
	}
	return p.act("resume", id, servers.Resume(ctx, p.compute, id).ExtractErr())
}

// Reboot asks the guest to restart (a soft reboot); Nova falls back to a
// hard one itself if the guest does not answer.
func (p *Provider) Reboot(ctx context.Context, id string) error {
	return p.act("reboot", id, servers.Reboot(ctx, p.compute, id, servers.RebootOpts{Type: servers.SoftReboot}).ExtractErr())
}

// Resize moves a server to flavor (a name or id). Nova then holds it in
// VERIFY_RESIZE until ConfirmResize or RevertResize.
func (p *Provider) Resize(ctx context.Context, id, flavor string) error {
	op := "resize " + id + " to " + flavor
	ref, err := p.flavorID(ctx, op, flavor)
	if err != nil {
		return err
	}
	return p.act("resize "+id+" to", flavor, servers.Resize(ctx, p.compute, id, servers.ResizeOpts{FlavorRef: ref}).ExtractErr())
}

// ConfirmResize keeps the new flavor and frees the old host.
func (p *Provider) ConfirmResize(ctx context.Context, id string) error {
	return p.act("confirm the resize of", id, servers.ConfirmResize(ctx, p.compute, id).ExtractErr())
}

// RevertResize goes back to the old flavor.
func (p *Provider) RevertResize(ctx context.Context, id string) error {
	return p.act("revert the resize of", id, servers.RevertResize(ctx, p.compute, id).ExtractErr())
}

// Rebuild reinstalls the server from image (a name or id), keeping its id,
// ports and addresses.
func (p *Provider) Rebuild(ctx context.Context, id, image string) error {
	op := "rebuild " + id + " from " + image
	ref, err := p.imageID(ctx, op, image)
	if err != nil {
		return err
	}
	_, err = servers.Rebuild(ctx, p.compute, id, servers.RebuildOpts{ImageRef: ref}).Extract()
	return p.act("rebuild "+id+" from", image, err)
}

// Rename changes the server's name; Nova allows it in any state.
func (p *Provider) Rename(ctx context.Context, id, name string) error {
	_, err := servers.Update(ctx, p.compute, id, servers.UpdateOpts{Name: name}).Extract()
	return p.act("rename "+id+" to", name, err)
}

// ConsoleOutput is the server's whole console log.
func (p *Provider) ConsoleOutput(ctx context.Context, id string) (string, error) {
	out, err := servers.ShowConsoleOutput(ctx, p.compute, id, servers.ShowConsoleOutputOpts{}).Extract()
	if err != nil {
		return "", p.fail("console output of "+id, err)
	}
	return out, nil
}
