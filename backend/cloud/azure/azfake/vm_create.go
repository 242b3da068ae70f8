package azfake

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// createVM is the VM PUT: a new VM is Creating and starting until the
// operation is due; an existing one is updated in place (ARM's PUT is
// idempotent on the name, which is what makes a retried create safe),
// except while an operation on it is still running, which ARM refuses
// with 409 AnotherOperationInProgress.
func (c *Cloud) createVM(ctx context.Context, rg, name string, in armcompute.VirtualMachine, _ *armcompute.VirtualMachinesClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.validateVM(rg, name, in); err != nil {
		errResp.SetError(err)
		return
	}
	id := c.vmID(rg, name)
	status := http.StatusOK
	c.settle()
	v, ok := c.vms[key(id)]
	if ok {
		if err := actionable(v, "createOrUpdate"); err != nil {
			errResp.SetError(err)
			return
		}
		if v.next != nil {
			errResp.SetError(&armError{Status: http.StatusConflict, Code: "AnotherOperationInProgress", Message: fmt.Sprintf(
				"Operation on Virtual Machine '%s' is not allowed: another operation is in progress on it. Retry after it completes.", name)})
			return
		}
		props := *v.m.Properties
		props.HardwareProfile = in.Properties.HardwareProfile
		v.m.Properties, v.m.Tags = &props, in.Tags
		c.due(ctx, c.schedule(v, v.power, "Succeeded", false))
	} else {
		status = http.StatusCreated
		v = c.newVM(rg, name, in)
		c.vms[key(id)] = v
		c.due(ctx, c.schedule(v, "PowerState/running", "Succeeded", false))
	}
	delayed := c.opDelay > 0
	if delayed {
		resp.AddNonTerminalResponse(status, nil)
	}
	final := v.snapshot()
	final.Properties.ProvisioningState = to.Ptr("Succeeded")
	resp.SetTerminalResponse(http.StatusOK, armcompute.VirtualMachinesClientCreateOrUpdateResponse{VirtualMachine: final}, nil)
	return
}

// validateVM checks what Azure checks before accepting a VM: a location,
// a size, and network interfaces that exist and are not another VM's.
// Callers hold c.mu.
func (c *Cloud) validateVM(rg, name string, in armcompute.VirtualMachine) *armError {
	invalid := func(msg string) *armError {
		return &armError{Status: http.StatusBadRequest, Code: "InvalidParameter", Message: msg}
	}
	p := in.Properties
	switch {
	case deref(in.Location) == "":
		return &armError{Status: http.StatusBadRequest, Code: "LocationRequired", Message: "The location property is required for this definition."}
	case p == nil || p.HardwareProfile == nil || p.HardwareProfile.VMSize == nil:
		return invalid("Required parameter 'hardwareProfile.vmSize' is missing (null).")
	case p.NetworkProfile == nil || len(p.NetworkProfile.NetworkInterfaces) == 0:
		return invalid("Required parameter 'networkProfile' is missing (null).")
	}
	for _, ref := range p.NetworkProfile.NetworkInterfaces {
		nic, ok := c.nics[key(deref(ref.ID))]
		if !ok {
			return &armError{Status: http.StatusNotFound, Code: "NotFound", Message: fmt.Sprintf("Resource %s not found.", deref(ref.ID))}
		}
		if owner := nic.Properties.VirtualMachine; owner != nil && !strings.EqualFold(deref(owner.ID), c.vmID(rg, name)) {
			return &armError{Status: http.StatusBadRequest, Code: "NicInUse", Message: fmt.Sprintf(
				"Network Interface %s is used by existing resource %s. In order to use this Network Interface with another resource, please remove it from the existing resource.", deref(ref.ID), deref(owner.ID))}
		}
	}
	return nil
}

// newVM makes the VM resource and its OS disk. Callers hold c.mu.
func (c *Cloud) newVM(rg, name string, in armcompute.VirtualMachine) *vm {
	id := c.vmID(rg, name)
	m := in
	m.ID, m.Name, m.Type = to.Ptr(id), to.Ptr(name), to.Ptr("Microsoft.Compute/virtualMachines")
	props := *in.Properties
	props.VMID = to.Ptr(fmt.Sprintf("%08x-0000-4000-8000-%012x", len(c.vms)+1, c.opSeq))
	props.TimeCreated = to.Ptr(c.now().UTC())
	if sp := props.StorageProfile; sp != nil && sp.OSDisk != nil {
		disk := *sp.OSDisk
		diskName := deref(disk.Name)
		if diskName == "" {
			diskName = name + "_OsDisk_1"
		}
		diskID := c.id(rg, computeProvider, "disks", diskName)
		disk.Name = to.Ptr(diskName)
		disk.ManagedDisk = &armcompute.ManagedDiskParameters{ID: to.Ptr(diskID)}
		storage := *sp
		storage.OSDisk = &disk
		props.StorageProfile = &storage
		c.disks[key(diskID)] = &armcompute.Disk{
			ID: to.Ptr(diskID), Name: to.Ptr(diskName), Location: in.Location, Tags: in.Tags,
			Type: to.Ptr("Microsoft.Compute/disks"), ManagedBy: to.Ptr(id),
		}
	}
	for _, ref := range props.NetworkProfile.NetworkInterfaces {
		nic := c.nics[key(deref(ref.ID))]
		np := *nic.Properties
		np.VirtualMachine = &armnetwork.SubResource{ID: to.Ptr(id)}
		nic.Properties = &np
	}
	m.Properties = &props
	return &vm{m: m, power: "PowerState/starting", provisioned: "Creating"}
}

func (c *Cloud) disksServer() fake.DisksServer {
	return fake.DisksServer{
		Get: func(_ context.Context, rg, name string, _ *armcompute.DisksClientGetOptions) (resp azfake.Responder[armcompute.DisksClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			d, ok := c.disks[key(c.id(rg, computeProvider, "disks", name))]
			if !ok {
				errResp.SetError(c.notFound("Microsoft.Compute/disks", rg, name))
				return
			}
			resp.SetResponse(http.StatusOK, armcompute.DisksClientGetResponse{Disk: *d}, nil)
			return
		},
		BeginDelete: func(_ context.Context, rg, name string, _ *armcompute.DisksClientBeginDeleteOptions) (resp azfake.PollerResponder[armcompute.DisksClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			k := key(c.id(rg, computeProvider, "disks", name))
			d, ok := c.disks[k]
			if ok && d.ManagedBy != nil {
				errResp.SetError(&armError{Status: http.StatusConflict, Code: "OperationNotAllowed", Message: fmt.Sprintf(
					"Disk %s is attached to VM %s.", name, *d.ManagedBy)})
				return
			}
			delete(c.disks, k)
			resp.SetTerminalResponse(http.StatusOK, armcompute.DisksClientDeleteResponse{}, nil)
			return
		},
	}
}

// defaultSizes are a few sizes every region has, as
// VirtualMachineSizes - List describes them.
func defaultSizes() []*armcompute.VirtualMachineSize {
	size := func(name string, cores, memMB, osMB, tmpMB int32) *armcompute.VirtualMachineSize {
		return &armcompute.VirtualMachineSize{
			Name: to.Ptr(name), NumberOfCores: to.Ptr(cores), MemoryInMB: to.Ptr(memMB),
			OSDiskSizeInMB: to.Ptr(osMB), ResourceDiskSizeInMB: to.Ptr(tmpMB), MaxDataDiskCount: to.Ptr[int32](4),
		}
	}
	return []*armcompute.VirtualMachineSize{
		size("Standard_B1s", 1, 1024, 1047552, 4096),
		size("Standard_B2s", 2, 4096, 1047552, 8192),
		size("Standard_D2s_v5", 2, 8192, 1047552, 0),
		size("Standard_D4s_v5", 4, 16384, 1047552, 0),
	}
}

func (c *Cloud) virtualMachineSizesServer() fake.VirtualMachineSizesServer {
	return fake.VirtualMachineSizesServer{
		NewListPager: func(string, *armcompute.VirtualMachineSizesClientListOptions) (resp azfake.PagerResponder[armcompute.VirtualMachineSizesClientListResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			resp.AddPage(http.StatusOK, armcompute.VirtualMachineSizesClientListResponse{VirtualMachineSizeListResult: armcompute.VirtualMachineSizeListResult{Value: c.sizes}}, nil)
			return
		},
	}
}
