package openstack

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/layer3/floatingips"

	"github.com/meshflow/meshflow/backend/model"
)

// tokenKey is the server metadata key that holds a create's idempotency
// token: Nova has no client token, so the adapter leaves one on the server.
const tokenKey = "meshflow-token"

// List returns every server of the project, following Nova's next links
// page by page.
func (p *Provider) List(ctx context.Context) ([]model.VM, error) {
	ss, err := p.servers(ctx, servers.ListOpts{})
	if err != nil {
		return nil, p.fail("list", err)
	}
	vms := make([]model.VM, len(ss))
	for i := range ss {
		vms[i] = p.toVM(&ss[i])
	}
	return vms, nil
}

// servers reads every page, following each page's next link (Nova's
// marker) until a page has none. It decodes each page once, straight into
// servers; gophercloud's pager decodes a page five times over (generic,
// then re-encoded for IsEmpty and again for ExtractServers), which made a
// list of a thousand servers several times slower. Requests still go
// through the SDK's client: token, renewal, retries and microversion.
func (p *Provider) servers(ctx context.Context, opts servers.ListOpts) ([]servers.Server, error) {
	query, err := opts.ToServerListQuery()
	if err != nil {
		return nil, err
	}
	var all []servers.Server
	for next := p.compute.ServiceURL("servers", "detail") + query; next != ""; {
		var page struct {
			Servers []servers.Server   `json:"servers"`
			Links   []gophercloud.Link `json:"servers_links"`
		}
		//nolint:bodyclose // gophercloud closes the body once it has decoded it into page
		if _, err := p.compute.Get(ctx, next, &page, nil); err != nil {
			return nil, err
		}
		all = append(all, page.Servers...)
		next = ""
		for _, l := range page.Links {
			if l.Rel == "next" && len(page.Servers) > 0 {
				next = l.Href
			}
		}
	}
	return all, nil
}

// Get returns one server; model.ErrNotFound when Nova does not know it.
func (p *Provider) Get(ctx context.Context, id string) (model.VM, error) {
	s, err := servers.Get(ctx, p.compute, id).Extract()
	if err != nil {
		return model.VM{}, p.fail("get "+id, err)
	}
	return p.toVM(s), nil
}

func (p *Provider) toVM(s *servers.Server) model.VM {
	vm := model.VM{
		Connection: p.conn, ID: s.ID, Name: s.Name,
		State: vmState(s.Status, s.TaskState), CloudState: s.Status,
		Region: p.region, Zone: s.AvailabilityZone,
		Flavor: flavorOf(s.Flavor), KeyName: s.KeyName,
		LaunchedAt: s.Created, Token: s.Metadata[tokenKey],
		Details: map[string]string{},
	}
	if id, ok := s.Image["id"].(string); ok {
		vm.Image = id
	}
	if len(s.Metadata) > 0 {
		vm.Tags = map[string]string{}
		for k, v := range s.Metadata {
			if k != tokenKey {
				vm.Tags[k] = v
			}
		}
	}
	vm.PublicIPs, vm.PrivateIPs, vm.Details["networks"] = addresses(s.Addresses)
	var groups []string
	for _, g := range s.SecurityGroups {
		if n, ok := g["name"].(string); ok {
			groups = append(groups, n)
		}
	}
	for k, v := range map[string]string{
		"task_state": s.TaskState, "vm_state": s.VmState, "host_id": s.HostID,
		"fault": s.Fault.Message, "security_groups": strings.Join(groups, ", "),
	} {
		if v != "" {
			vm.Details[k] = v
		}
	}
	return vm
}

// flavorOf is the flavor's name where Nova embeds it (2.47 on), its id
// where it links it.
func flavorOf(f map[string]any) string {
	if n, ok := f["original_name"].(string); ok {
		return n
	}
	id, _ := f["id"].(string)
	return id
}

// addresses splits a server's addresses by OS-EXT-IPS:type: floating IPs
// are public, fixed ones private. Networks are named in order.
func addresses(addrs map[string]any) (public, private []string, networks string) {
	var nets []string
	for net, list := range addrs {
		nets = append(nets, net)
		entries, _ := list.([]any)
		for _, e := range entries {
			m, _ := e.(map[string]any)
			ip, _ := m["addr"].(string)
			if ip == "" {
				continue
			}
			if m["OS-EXT-IPS:type"] == "floating" {
				public = append(public, ip)
			} else {
				private = append(private, ip)
			}
		}
	}
	sort.Strings(nets)
	sort.Strings(public)
	sort.Strings(private)
	return public, private, strings.Join(nets, ", ")
}

// vmState maps Nova's status, and the task in progress, to meshflow's
// word. A server being deleted keeps its status until it is gone, so the
// task says so first.
func vmState(status, task string) model.VMState {
	switch task {
	case "deleting", "soft-deleting":
		return model.VMDeleting
	case "powering-off":
		return model.VMStopping
	}
	switch status {
	case "BUILD", "REBUILD":
		return model.VMPending
	case "ACTIVE", "MIGRATING", "RESCUE", "PASSWORD":
		return model.VMRunning
	case "SHUTOFF":
		return model.VMStopped
	case "SUSPENDED", "PAUSED", "SHELVED", "SHELVED_OFFLOADED":
		return model.VMSuspended
	case "REBOOT", "HARD_REBOOT":
		return model.VMRebooting
	case "RESIZE", "VERIFY_RESIZE", "REVERT_RESIZE":
		return model.VMResizing
	case "DELETED", "SOFT_DELETED":
		return model.VMDeleted
	case "ERROR":
		return model.VMError
	}
	return model.VMUnknown
}

// act runs one server action and names it in the error.
func (p *Provider) act(verb, id string, err error) error {
	if err != nil {
		return p.fail(fmt.Sprintf("%s %s", verb, id), err)
	}
	return nil
}

// Start powers a SHUTOFF server on.
func (p *Provider) Start(ctx context.Context, id string) error {
	return p.act("start", id, servers.Start(ctx, p.compute, id).ExtractErr())
}

// Stop powers a server off; its disk, and on most clouds its quota, stay.
func (p *Provider) Stop(ctx context.Context, id string) error {
	return p.act("stop", id, servers.Stop(ctx, p.compute, id).ExtractErr())
}

// Destroy deletes a server by id, and the floating IPs meshflow gave it:
// Neutron only disassociates them, and a forgotten one still counts
// against the quota (and is billed on some clouds). Addresses the user
// attached by hand stay theirs. A server already gone is not an error.
func (p *Provider) Destroy(ctx context.Context, id string) error {
	op := "destroy " + id
	ours, err := p.ownFloatingIPs(ctx, id)
	if err != nil {
		return p.fail(op, err)
	}
	err = servers.Delete(ctx, p.compute, id).ExtractErr()
	if err != nil && !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
		return p.fail(op, err)
	}
	for _, fip := range ours {
		err := floatingips.Delete(ctx, p.network, fip).ExtractErr()
		if err != nil && !gophercloud.ResponseCodeIs(err, http.StatusNotFound) {
			return p.fail(op+": release its floating IP", err)
		}
	}
	return nil
}
