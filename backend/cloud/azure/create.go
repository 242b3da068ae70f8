package azure

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// The defaults for what a CreateSpec and the connection leave empty.
const (
	defaultImage     = "Canonical:ubuntu-24_04-lts:server:latest"
	defaultSize      = "Standard_B1s"
	defaultUser      = "azureuser"
	defaultVNet      = "meshflow-vnet"
	defaultSubnet    = "default"
	vnetAddressSpace = "10.0.0.0/16"
	subnetPrefix     = "10.0.0.0/24"
)

// resourceNames are the names Create gives what it makes for a VM. They
// derive from the VM's name alone, so a retried create PUTs the same
// resources again, and ARM's PUT converges instead of duplicating.
type resourceNames struct{ nic, ip, nsg, disk string }

func names(vm string) resourceNames {
	return resourceNames{nic: vm + "-nic", ip: vm + "-ip", nsg: vm + "-nsg", disk: vm + "-osdisk"}
}

// Create creates a VM with its NSG (SSH from spec.SSHFrom), public IP
// (if asked), NIC and OS disk, all tagged with spec.Token and set to be
// deleted with the VM, and waits until Azure has provisioned it. Called
// again with the same token it converges on the same VM; a VM of that
// name with another token is refused.
func (p *Provider) Create(ctx context.Context, spec cloud.CreateSpec) (model.VM, error) {
	op := "create " + spec.Name
	if err := p.checkSpec(spec); err != nil {
		return model.VM{}, &cloud.Error{Kind: model.CloudAzure, Connection: p.cfg.Connection, Op: op, Message: err.Error(), Is: model.ErrInvalid}
	}
	rg, n := p.cfg.ResourceGroup, names(spec.Name)
	existing, err := p.vms.Get(ctx, rg, spec.Name, nil)
	if err == nil && deref(existing.Tags[TokenTag]) == spec.Token && provisioning(existing) {
		// A create cut short (meshflow died or gave up while Azure made
		// the VM) is still running: wait for it by reading the VM by its
		// name, since Azure refuses a PUT while an operation runs.
		existing, err = p.provisioned(ctx, spec.Name)
	}
	switch {
	case err == nil && deref(existing.Tags[TokenTag]) != spec.Token:
		return model.VM{}, &cloud.Error{
			Kind: model.CloudAzure, Connection: p.cfg.Connection, Op: op, Code: "Conflict",
			Message: fmt.Sprintf("a VM named %s already exists in resource group %s and meshflow did not create it with this request", spec.Name, rg), Is: model.ErrConflict,
		}
	case err == nil && strings.EqualFold(deref(existing.Properties.ProvisioningState), "Succeeded"):
		return p.Get(ctx, deref(existing.ID))
	case err != nil && !isNotFound(err):
		return model.VM{}, p.fail(op, err)
	}
	tags := map[string]*string{TokenTag: to.Ptr(spec.Token)}
	for k, v := range spec.Tags {
		tags[k] = to.Ptr(v)
	}
	subnetID, err := p.subnet(ctx, spec.Network)
	if err != nil {
		return model.VM{}, p.fail(op+": subnet", err)
	}
	nsgID, err := p.securityGroup(ctx, spec, n.nsg, tags)
	if err != nil {
		return model.VM{}, p.fail(op+": network security group "+n.nsg, err)
	}
	var pipID *string
	if spec.PublicIP {
		pip, err := p.publicIP(ctx, n.ip, tags)
		if err != nil {
			return model.VM{}, p.fail(op+": public IP "+n.ip, err)
		}
		pipID = pip.ID
	}
	nic, err := p.putNIC(ctx, n.nic, subnetID, nsgID, pipID, tags)
	if err != nil {
		return model.VM{}, p.fail(op+": network interface "+n.nic, err)
	}
	poller, err := p.vms.BeginCreateOrUpdate(ctx, rg, spec.Name, p.vmBody(spec, n, deref(nic.ID), tags), nil)
	if hasCode(err, "AnotherOperationInProgress") {
		// The PUT of the create cut short reached Azure after the read
		// above: wait for that create as for one found running.
		if running, werr := p.provisioned(ctx, spec.Name); werr == nil && deref(running.Tags[TokenTag]) == spec.Token {
			return p.Get(ctx, deref(running.ID))
		}
	}
	if err != nil {
		return model.VM{}, p.fail(op, err)
	}
	created, err := p.wait(ctx, poller)
	if err != nil {
		return model.VM{}, p.fail(op, err)
	}
	return p.Get(ctx, deref(created.ID))
}

// provisioning reports whether an operation on vm is still running.
func provisioning(vm armcompute.VirtualMachinesClientGetResponse) bool {
	if vm.Properties == nil {
		return false
	}
	switch strings.ToLower(deref(vm.Properties.ProvisioningState)) {
	case "creating", "updating", "migrating":
		return true
	}
	return false
}

// provisioned polls the VM named until no operation runs on it.
func (p *Provider) provisioned(ctx context.Context, name string) (armcompute.VirtualMachinesClientGetResponse, error) {
	for {
		select {
		case <-ctx.Done():
			return armcompute.VirtualMachinesClientGetResponse{}, ctx.Err()
		case <-time.After(p.cfg.PollFrequency):
		}
		vm, err := p.vms.Get(ctx, p.cfg.ResourceGroup, name, nil)
		if err != nil || !provisioning(vm) {
			return vm, err
		}
	}
}

func (p *Provider) checkSpec(spec cloud.CreateSpec) error {
	switch {
	case spec.Name == "" || spec.Token == "":
		return fmt.Errorf("a VM needs a name and a token")
	case p.cfg.ResourceGroup == "" || p.cfg.Location == "":
		return fmt.Errorf("the connection needs a resource group and a location to create VMs in")
	case spec.PublicKey == "":
		return fmt.Errorf("an OpenSSH public key is needed for the VM's admin user: Azure takes one per VM (key pairs by name are not supported)")
	case spec.SecurityGroup == "" && spec.SSHFrom == "":
		return fmt.Errorf("give a network security group, or the address SSH may come from (SSHFrom), for the one meshflow makes")
	}
	return nil
}

func (p *Provider) wait(ctx context.Context, poller *runtime.Poller[armcompute.VirtualMachinesClientCreateOrUpdateResponse]) (armcompute.VirtualMachine, error) {
	resp, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: p.cfg.PollFrequency})
	return resp.VirtualMachine, err
}

// vmBody is the VM PUT: a Linux VM with SSH key login only, its OS disk
// and NIC deleted with it.
func (p *Provider) vmBody(spec cloud.CreateSpec, n resourceNames, nicID string, tags map[string]*string) armcompute.VirtualMachine {
	user := or(spec.Username, defaultUser)
	os := &armcompute.OSProfile{
		ComputerName:  to.Ptr(spec.Name),
		AdminUsername: to.Ptr(user),
		LinuxConfiguration: &armcompute.LinuxConfiguration{
			DisablePasswordAuthentication: to.Ptr(true),
			SSH: &armcompute.SSHConfiguration{PublicKeys: []*armcompute.SSHPublicKey{{
				Path:    to.Ptr("/home/" + user + "/.ssh/authorized_keys"),
				KeyData: to.Ptr(strings.TrimSpace(spec.PublicKey)),
			}}},
		},
	}
	if spec.UserData != "" {
		os.CustomData = to.Ptr(base64.StdEncoding.EncodeToString([]byte(spec.UserData)))
	}
	vm := armcompute.VirtualMachine{
		Location: to.Ptr(p.cfg.Location),
		Tags:     tags,
		Properties: &armcompute.VirtualMachineProperties{
			HardwareProfile: &armcompute.HardwareProfile{VMSize: to.Ptr(armcompute.VirtualMachineSizeTypes(or(spec.Flavor, defaultSize)))},
			StorageProfile: &armcompute.StorageProfile{
				ImageReference: imageReference(or(spec.Image, defaultImage)),
				OSDisk: &armcompute.OSDisk{
					Name:         to.Ptr(n.disk),
					CreateOption: to.Ptr(armcompute.DiskCreateOptionTypesFromImage),
					DeleteOption: to.Ptr(armcompute.DiskDeleteOptionTypesDelete),
				},
			},
			OSProfile: os,
			NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: []*armcompute.NetworkInterfaceReference{{
				ID:         to.Ptr(nicID),
				Properties: &armcompute.NetworkInterfaceReferenceProperties{Primary: to.Ptr(true), DeleteOption: to.Ptr(armcompute.DeleteOptionsDelete)},
			}}},
		},
	}
	if spec.Zone != "" {
		vm.Zones = []*string{to.Ptr(spec.Zone)}
	}
	return vm
}

// imageReference reads an image URN (publisher:offer:sku:version) or an
// image resource id.
func imageReference(image string) *armcompute.ImageReference {
	if parts := strings.Split(image, ":"); len(parts) == 4 {
		return &armcompute.ImageReference{Publisher: &parts[0], Offer: &parts[1], SKU: &parts[2], Version: &parts[3]}
	}
	return &armcompute.ImageReference{ID: to.Ptr(image)}
}

// subnet returns the subnet id to put the NIC in: network as a subnet
// id, or "vnet/subnet" in the resource group, or meshflow's own network,
// made on first use.
func (p *Provider) subnet(ctx context.Context, network string) (string, error) {
	rg := p.cfg.ResourceGroup
	if strings.HasPrefix(network, "/subscriptions/") {
		return network, nil
	}
	vnet, sub, ok := strings.Cut(network, "/")
	if network != "" && ok {
		resp, err := p.subnets.Get(ctx, rg, vnet, sub, nil)
		return deref(resp.ID), err
	}
	resp, err := p.subnets.Get(ctx, rg, defaultVNet, defaultSubnet, nil)
	if err == nil {
		return deref(resp.ID), nil
	}
	if !isNotFound(err) {
		return "", err
	}
	poller, err := p.vnets.BeginCreateOrUpdate(ctx, rg, defaultVNet, armnetwork.VirtualNetwork{
		Location: to.Ptr(p.cfg.Location),
		Properties: &armnetwork.VirtualNetworkPropertiesFormat{
			AddressSpace: &armnetwork.AddressSpace{AddressPrefixes: []*string{to.Ptr(vnetAddressSpace)}},
			Subnets:      []*armnetwork.Subnet{{Name: to.Ptr(defaultSubnet), Properties: &armnetwork.SubnetPropertiesFormat{AddressPrefix: to.Ptr(subnetPrefix)}}},
		},
	}, nil)
	if err != nil {
		return "", err
	}
	created, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: p.cfg.PollFrequency})
	if err != nil {
		return "", err
	}
	for _, s := range created.Properties.Subnets {
		if deref(s.Name) == defaultSubnet {
			return deref(s.ID), nil
		}
	}
	return "", fmt.Errorf("virtual network %s has no subnet %s", defaultVNet, defaultSubnet)
}

// securityGroup returns the NSG to use: the spec's (a name in the
// resource group or an id), or a new one that lets SSH in from SSHFrom.
func (p *Provider) securityGroup(ctx context.Context, spec cloud.CreateSpec, name string, tags map[string]*string) (string, error) {
	rg := p.cfg.ResourceGroup
	if g := spec.SecurityGroup; g != "" {
		if rid, err := arm.ParseResourceID(g); err == nil {
			return rid.String(), nil
		}
		resp, err := p.nsgs.Get(ctx, rg, g, nil)
		return deref(resp.ID), err
	}
	poller, err := p.nsgs.BeginCreateOrUpdate(ctx, rg, name, armnetwork.SecurityGroup{
		Location: to.Ptr(p.cfg.Location),
		Tags:     tags,
		Properties: &armnetwork.SecurityGroupPropertiesFormat{SecurityRules: []*armnetwork.SecurityRule{{
			Name: to.Ptr("ssh"),
			Properties: &armnetwork.SecurityRulePropertiesFormat{
				Priority:                 to.Ptr[int32](1000),
				Direction:                to.Ptr(armnetwork.SecurityRuleDirectionInbound),
				Access:                   to.Ptr(armnetwork.SecurityRuleAccessAllow),
				Protocol:                 to.Ptr(armnetwork.SecurityRuleProtocolTCP),
				SourceAddressPrefix:      to.Ptr(spec.SSHFrom),
				SourcePortRange:          to.Ptr("*"),
				DestinationAddressPrefix: to.Ptr("*"),
				DestinationPortRange:     to.Ptr("22"),
			},
		}}},
	}, nil)
	if err != nil {
		return "", err
	}
	resp, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: p.cfg.PollFrequency})
	return deref(resp.ID), err
}

// publicIP creates (or finds again: PUT) a static Standard public IP that
// Azure deletes with the VM.
func (p *Provider) publicIP(ctx context.Context, name string, tags map[string]*string) (armnetwork.PublicIPAddress, error) {
	poller, err := p.pips.BeginCreateOrUpdate(ctx, p.cfg.ResourceGroup, name, armnetwork.PublicIPAddress{
		Location: to.Ptr(p.cfg.Location),
		Tags:     tags,
		SKU:      &armnetwork.PublicIPAddressSKU{Name: to.Ptr(armnetwork.PublicIPAddressSKUNameStandard)},
		Properties: &armnetwork.PublicIPAddressPropertiesFormat{
			PublicIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodStatic),
			DeleteOption:             to.Ptr(armnetwork.DeleteOptionsDelete),
		},
	}, nil)
	if err != nil {
		return armnetwork.PublicIPAddress{}, err
	}
	resp, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: p.cfg.PollFrequency})
	return resp.PublicIPAddress, err
}

// putNIC creates or updates the VM's NIC.
func (p *Provider) putNIC(ctx context.Context, name, subnetID, nsgID string, pipID *string, tags map[string]*string) (armnetwork.Interface, error) {
	ipc := &armnetwork.InterfaceIPConfigurationPropertiesFormat{
		Subnet:                    &armnetwork.Subnet{ID: to.Ptr(subnetID)},
		PrivateIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodDynamic),
		Primary:                   to.Ptr(true),
	}
	if pipID != nil {
		ipc.PublicIPAddress = &armnetwork.PublicIPAddress{ID: pipID}
	}
	poller, err := p.nics.BeginCreateOrUpdate(ctx, p.cfg.ResourceGroup, name, armnetwork.Interface{
		Location: to.Ptr(p.cfg.Location),
		Tags:     tags,
		Properties: &armnetwork.InterfacePropertiesFormat{
			NetworkSecurityGroup: &armnetwork.SecurityGroup{ID: to.Ptr(nsgID)},
			IPConfigurations:     []*armnetwork.InterfaceIPConfiguration{{Name: to.Ptr("ipconfig1"), Properties: ipc}},
		},
	}, nil)
	if err != nil {
		return armnetwork.Interface{}, err
	}
	resp, err := poller.PollUntilDone(ctx, &runtime.PollUntilDoneOptions{Frequency: p.cfg.PollFrequency})
	return resp.Interface, err
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
