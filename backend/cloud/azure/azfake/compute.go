package azfake

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8/fake"
)

const computeProvider = "Microsoft.Compute"

func (c *Cloud) vmID(rg, name string) string {
	return c.id(rg, computeProvider, "virtualMachines", name)
}

func (c *Cloud) notFound(kind, rg, name string) *armError {
	return &armError{
		Status:  http.StatusNotFound,
		Code:    "ResourceNotFound",
		Message: fmt.Sprintf("The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", kind, name, rg),
	}
}

// lookupVM returns a VM, settled. Callers hold c.mu.
func (c *Cloud) lookupVM(rg, name string) (*vm, *armError) {
	c.settle()
	v, ok := c.vms[key(c.vmID(rg, name))]
	if !ok {
		return nil, c.notFound("Microsoft.Compute/virtualMachines", rg, name)
	}
	return v, nil
}

// actionable refuses any operation but delete on a VM being deleted, as
// Azure does.
func actionable(v *vm, action string) *armError {
	if v.provisioned == "Deleting" {
		return &armError{Status: http.StatusConflict, Code: "OperationNotAllowed", Message: fmt.Sprintf(
			"Operation '%s' is not allowed since the Virtual Machine '%s' is marked for deletion. You can only retry the Delete operation (or wait for an ongoing one to complete).", action, *v.m.Name)}
	}
	return nil
}

func (c *Cloud) instanceView(v *vm) *armcompute.VirtualMachineInstanceView {
	return &armcompute.VirtualMachineInstanceView{Statuses: []*armcompute.InstanceViewStatus{
		{Code: to.Ptr("ProvisioningState/" + strings.ToLower(v.provisioned)), Level: to.Ptr(armcompute.StatusLevelTypesInfo)},
		{Code: to.Ptr(v.power), Level: to.Ptr(armcompute.StatusLevelTypesInfo)},
	}}
}

// pages splits items into pages of the cloud's page size; an empty list
// is one empty page, as ARM answers it.
func pages[T any](items []T, size int) [][]T {
	if len(items) == 0 {
		return [][]T{nil}
	}
	var out [][]T
	for len(items) > size {
		out = append(out, items[:size])
		items = items[size:]
	}
	return append(out, items)
}

// vmsIn returns the VMs of a resource group ("" for all), settled and in
// a stable order. Callers hold c.mu.
func (c *Cloud) vmsIn(rg string, withStatus bool) []*armcompute.VirtualMachine {
	c.settle()
	prefix := key(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/", c.sub, rg))
	var keys []string
	for k := range c.vms {
		if rg == "" || strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]*armcompute.VirtualMachine, 0, len(keys))
	for _, k := range keys {
		v := c.vms[k]
		m := v.snapshot()
		if withStatus {
			m.Properties.InstanceView = c.instanceView(v)
		}
		out = append(out, &m)
	}
	return out
}

func (c *Cloud) virtualMachinesServer() fake.VirtualMachinesServer {
	return fake.VirtualMachinesServer{
		BeginCreateOrUpdate: c.createVM,
		Get: func(_ context.Context, rg, name string, o *armcompute.VirtualMachinesClientGetOptions) (resp azfake.Responder[armcompute.VirtualMachinesClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			v, err := c.lookupVM(rg, name)
			if err != nil {
				errResp.SetError(err)
				return
			}
			m := v.snapshot()
			if o != nil && o.Expand != nil && *o.Expand == armcompute.InstanceViewTypesInstanceView {
				m.Properties.InstanceView = c.instanceView(v)
			}
			resp.SetResponse(http.StatusOK, armcompute.VirtualMachinesClientGetResponse{VirtualMachine: m}, nil)
			return
		},
		InstanceView: func(_ context.Context, rg, name string, _ *armcompute.VirtualMachinesClientInstanceViewOptions) (resp azfake.Responder[armcompute.VirtualMachinesClientInstanceViewResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			v, err := c.lookupVM(rg, name)
			if err != nil {
				errResp.SetError(err)
				return
			}
			resp.SetResponse(http.StatusOK, armcompute.VirtualMachinesClientInstanceViewResponse{VirtualMachineInstanceView: *c.instanceView(v)}, nil)
			return
		},
		NewListPager: func(rg string, _ *armcompute.VirtualMachinesClientListOptions) (resp azfake.PagerResponder[armcompute.VirtualMachinesClientListResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			for _, p := range pages(c.vmsIn(rg, false), c.pageSize) {
				resp.AddPage(http.StatusOK, armcompute.VirtualMachinesClientListResponse{VirtualMachineListResult: armcompute.VirtualMachineListResult{Value: p}}, nil)
			}
			return
		},
		NewListAllPager: func(o *armcompute.VirtualMachinesClientListAllOptions) (resp azfake.PagerResponder[armcompute.VirtualMachinesClientListAllResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			status := o != nil && o.StatusOnly != nil && *o.StatusOnly == "true"
			for _, p := range pages(c.vmsIn("", status), c.pageSize) {
				resp.AddPage(http.StatusOK, armcompute.VirtualMachinesClientListAllResponse{VirtualMachineListResult: armcompute.VirtualMachineListResult{Value: p}}, nil)
			}
			return
		},
		BeginStart: func(ctx context.Context, rg, name string, _ *armcompute.VirtualMachinesClientBeginStartOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientStartResponse], errResp azfake.ErrorResponder) {
			c.powerAction(ctx, rg, name, "start", "PowerState/starting", "PowerState/running", &errResp, func(delayed bool) {
				lro(&resp, delayed, armcompute.VirtualMachinesClientStartResponse{})
			})
			return
		},
		BeginPowerOff: func(ctx context.Context, rg, name string, _ *armcompute.VirtualMachinesClientBeginPowerOffOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientPowerOffResponse], errResp azfake.ErrorResponder) {
			c.powerAction(ctx, rg, name, "powerOff", "PowerState/stopping", "PowerState/stopped", &errResp, func(delayed bool) {
				lro(&resp, delayed, armcompute.VirtualMachinesClientPowerOffResponse{})
			})
			return
		},
		BeginDeallocate: func(ctx context.Context, rg, name string, _ *armcompute.VirtualMachinesClientBeginDeallocateOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientDeallocateResponse], errResp azfake.ErrorResponder) {
			c.powerAction(ctx, rg, name, "deallocate", "PowerState/deallocating", "PowerState/deallocated", &errResp, func(delayed bool) {
				lro(&resp, delayed, armcompute.VirtualMachinesClientDeallocateResponse{})
			})
			return
		},
		BeginRestart: func(ctx context.Context, rg, name string, _ *armcompute.VirtualMachinesClientBeginRestartOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientRestartResponse], errResp azfake.ErrorResponder) {
			c.powerAction(ctx, rg, name, "restart", "PowerState/starting", "PowerState/running", &errResp, func(delayed bool) {
				lro(&resp, delayed, armcompute.VirtualMachinesClientRestartResponse{})
			})
			return
		},
		BeginUpdate: c.updateVM,
		BeginDelete: c.deleteVMCall,
	}
}

// lro answers a long-running operation: InProgress first when it takes
// time (the transport holds the polls until it is due), then done.
func lro[T any](resp *azfake.PollerResponder[T], delayed bool, result T) {
	if delayed {
		resp.AddNonTerminalResponse(http.StatusAccepted, nil)
	}
	resp.SetTerminalResponse(http.StatusOK, result, nil)
}

// powerAction moves a VM through a power transition.
func (c *Cloud) powerAction(ctx context.Context, rg, name, action, via, to string, errResp *azfake.ErrorResponder, answer func(delayed bool)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.lookupVM(rg, name)
	if err == nil {
		err = actionable(v, action)
	}
	if err != nil {
		errResp.SetError(err)
		return
	}
	v.power = via
	c.due(ctx, c.schedule(v, to, v.provisioned, false))
	answer(c.opDelay > 0)
}

func (c *Cloud) updateVM(ctx context.Context, rg, name string, u armcompute.VirtualMachineUpdate, _ *armcompute.VirtualMachinesClientBeginUpdateOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientUpdateResponse], errResp azfake.ErrorResponder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.lookupVM(rg, name)
	if err == nil {
		err = actionable(v, "update")
	}
	if err != nil {
		errResp.SetError(err)
		return
	}
	props := *v.m.Properties
	if u.Properties != nil && u.Properties.HardwareProfile != nil {
		props.HardwareProfile = u.Properties.HardwareProfile
	}
	v.m.Properties = &props
	if u.Tags != nil {
		v.m.Tags = u.Tags
	}
	v.provisioned = "Updating"
	c.due(ctx, c.schedule(v, v.power, "Succeeded", false))
	// Update's only documented status is 200, in progress or done.
	if c.opDelay > 0 {
		resp.AddNonTerminalResponse(http.StatusOK, nil)
	}
	resp.SetTerminalResponse(http.StatusOK, armcompute.VirtualMachinesClientUpdateResponse{VirtualMachine: v.snapshot()}, nil)
	return
}

// deleteVMCall deletes a VM. A VM that does not exist answers 204, as
// ARM's DELETE does.
func (c *Cloud) deleteVMCall(ctx context.Context, rg, name string, _ *armcompute.VirtualMachinesClientBeginDeleteOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientDeleteResponse], errResp azfake.ErrorResponder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, err := c.lookupVM(rg, name)
	if err != nil {
		resp.SetTerminalResponse(http.StatusNoContent, armcompute.VirtualMachinesClientDeleteResponse{}, nil)
		return
	}
	if v.provisioned != "Deleting" {
		v.provisioned = "Deleting"
		c.schedule(v, v.power, "Deleting", true)
	}
	if v.next != nil {
		c.due(ctx, v.next.at)
	}
	lro(&resp, c.opDelay > 0, armcompute.VirtualMachinesClientDeleteResponse{})
	return
}

// due tells the transport when the operation of ctx finishes.
func (c *Cloud) due(ctx context.Context, at time.Time) {
	if o := opFrom(ctx); o != nil {
		o.due = at
	}
}
