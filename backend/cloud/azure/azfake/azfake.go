// Package azfake is an in-memory Azure subscription behind the SDK's own
// fake servers (armcompute/v8/fake, armnetwork/v9/fake): VMs, NICs, public
// IPs, NSGs, virtual networks and disks that keep their state between
// calls, long-running operations that finish after a delay, paged lists,
// throttling and latency. Tests and benchmarks hand a *Cloud to the real
// ARM clients as their Transport.
package azfake

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// Cloud is one fake subscription. Its zero value is not usable: call New.
type Cloud struct {
	sub string

	mu         sync.Mutex
	now        func() time.Time
	opDelay    time.Duration
	latency    time.Duration
	pageSize   int
	throttle   int
	retryAfter time.Duration
	calls      map[string]int

	vms   map[string]*vm // keyed by lower-case resource id, as ARM ids are case-insensitive
	nics  map[string]*armnetwork.Interface
	pips  map[string]*armnetwork.PublicIPAddress
	nsgs  map[string]*armnetwork.SecurityGroup
	vnets map[string]*armnetwork.VirtualNetwork
	disks map[string]*armcompute.Disk
	sizes []*armcompute.VirtualMachineSize

	ops   map[string]*op // in-flight pagers and pollers, by the mfop query parameter
	opSeq int
	ipSeq int // public IP addresses handed out
}

// vm is a VM and the state change it is going through.
type vm struct {
	m           armcompute.VirtualMachine
	power       string // "PowerState/running"
	provisioned string // "Succeeded", "Creating", "Deleting", …
	next        *transition
}

// transition is where a VM's long-running operation leaves it, and when.
type transition struct {
	at          time.Time
	power       string
	provisioned string
	gone        bool // the operation was a delete
}

// New returns an empty subscription with one page size of 100 and
// operations that finish at once.
func New(subscriptionID string) *Cloud {
	return &Cloud{
		sub:      subscriptionID,
		now:      time.Now,
		pageSize: 100,
		calls:    map[string]int{},
		vms:      map[string]*vm{},
		nics:     map[string]*armnetwork.Interface{},
		pips:     map[string]*armnetwork.PublicIPAddress{},
		nsgs:     map[string]*armnetwork.SecurityGroup{},
		vnets:    map[string]*armnetwork.VirtualNetwork{},
		disks:    map[string]*armcompute.Disk{},
		sizes:    defaultSizes(),
		ops:      map[string]*op{},
	}
}

// SetOpDelay makes every long-running operation (create, start, power
// off, deallocate, restart, update, delete) take d: the VM shows the
// transitional state ("PowerState/starting") until then, and pollers keep
// answering InProgress.
func (c *Cloud) SetOpDelay(d time.Duration) { c.mu.Lock(); c.opDelay = d; c.mu.Unlock() }

// SetLatency adds d to every request, as a network round trip would.
func (c *Cloud) SetLatency(d time.Duration) { c.mu.Lock(); c.latency = d; c.mu.Unlock() }

// SetPageSize sets how many items a list page holds.
func (c *Cloud) SetPageSize(n int) { c.mu.Lock(); c.pageSize = n; c.mu.Unlock() }

// Throttle answers the next n requests with 429 TooManyRequests and a
// Retry-After of after, as ARM does when a subscription's read or write
// budget is spent.
func (c *Cloud) Throttle(n int, after time.Duration) {
	c.mu.Lock()
	c.throttle, c.retryAfter = n, after
	c.mu.Unlock()
}

// Calls returns how many HTTP requests the fake served for an operation,
// named as the SDK names it ("VirtualMachinesClient.Get"), pages, polls
// and throttled attempts included.
func (c *Cloud) Calls(api string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[api]
}

// Resources returns the ids of every resource in the subscription, sorted:
// what a test looks at to prove a destroy left nothing behind.
func (c *Cloud) Resources() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settle()
	var out []string
	for _, v := range c.vms {
		out = append(out, *v.m.ID)
	}
	for _, r := range c.nics {
		out = append(out, *r.ID)
	}
	for _, r := range c.pips {
		out = append(out, *r.ID)
	}
	for _, r := range c.nsgs {
		out = append(out, *r.ID)
	}
	for _, r := range c.vnets {
		out = append(out, *r.ID)
	}
	for _, r := range c.disks {
		out = append(out, *r.ID)
	}
	sort.Strings(out)
	return out
}

// SetPowerState changes a VM's power state out of band, as someone in the
// portal would; code is the instance view's, e.g. "PowerState/stopped".
func (c *Cloud) SetPowerState(id, code string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vms[strings.ToLower(id)]
	if !ok {
		return fmt.Errorf("azfake: no VM %s", id)
	}
	v.power, v.next = code, nil
	return nil
}

// settle applies every transition that is due. Callers hold c.mu.
func (c *Cloud) settle() {
	now := c.now()
	for key, v := range c.vms {
		if v.next == nil || now.Before(v.next.at) {
			continue
		}
		if v.next.gone {
			c.deleteVM(key, v)
			continue
		}
		v.power, v.provisioned, v.next = v.next.power, v.next.provisioned, nil
	}
}

// deleteVM removes a VM and, as ARM does, what it was told to delete
// with it: NICs and the OS disk with DeleteOption Delete, and public IPs
// of those NICs with DeleteOption Delete. The rest is detached.
func (c *Cloud) deleteVM(key string, v *vm) {
	delete(c.vms, key)
	p := v.m.Properties
	if p.StorageProfile != nil && p.StorageProfile.OSDisk != nil && p.StorageProfile.OSDisk.ManagedDisk != nil {
		d := p.StorageProfile.OSDisk
		dkey := strings.ToLower(deref(d.ManagedDisk.ID))
		if d.DeleteOption != nil && *d.DeleteOption == armcompute.DiskDeleteOptionTypesDelete {
			delete(c.disks, dkey)
		} else if disk, ok := c.disks[dkey]; ok {
			disk.ManagedBy = nil
		}
	}
	if p.NetworkProfile == nil {
		return
	}
	for _, ref := range p.NetworkProfile.NetworkInterfaces {
		nkey := strings.ToLower(deref(ref.ID))
		nic, ok := c.nics[nkey]
		if !ok {
			continue
		}
		nic.Properties.VirtualMachine = nil
		if ref.Properties == nil || ref.Properties.DeleteOption == nil || *ref.Properties.DeleteOption != armcompute.DeleteOptionsDelete {
			continue
		}
		delete(c.nics, nkey)
		for _, ipc := range nic.Properties.IPConfigurations {
			if ipc.Properties == nil || ipc.Properties.PublicIPAddress == nil {
				continue
			}
			pkey := strings.ToLower(deref(ipc.Properties.PublicIPAddress.ID))
			if pip, ok := c.pips[pkey]; ok {
				pip.Properties.IPConfiguration = nil
				if pip.Properties.DeleteOption != nil && *pip.Properties.DeleteOption == armnetwork.DeleteOptionsDelete {
					delete(c.pips, pkey)
				}
			}
		}
	}
}

// schedule ends a VM's long-running operation after the cloud's delay,
// leaving it in power and provisioned (or gone), and returns when. The
// caller has set the transitional state. Callers hold c.mu.
func (c *Cloud) schedule(v *vm, power, provisioned string, gone bool) time.Time {
	at := c.now().Add(c.opDelay)
	v.next = &transition{at: at, power: power, provisioned: provisioned, gone: gone}
	if c.opDelay == 0 {
		c.settle()
	}
	return at
}

// snapshot is the VM as a response carries it: a copy down to its
// properties, so that serialising it never races a later change. State
// below Properties is replaced, never changed in place.
func (v *vm) snapshot() armcompute.VirtualMachine {
	m := v.m
	props := *v.m.Properties
	m.Properties = &props
	prov := v.provisioned
	props.ProvisioningState = &prov
	return m
}

// id builds an ARM resource id in this subscription.
func (c *Cloud) id(rg, provider, kind, name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s", c.sub, rg, provider, kind, name)
}

func key(id string) string { return strings.ToLower(id) }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// opFrom returns the operation a fake server call belongs to, which the
// transport puts in the request's context.
func opFrom(ctx context.Context) *op {
	o, _ := ctx.Value(opKey{}).(*op)
	return o
}
