package azfake

import (
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
)

// Seed adds n running VMs named vm-0000… to resource group rg, each with
// a NIC and a public IP, as a benchmark's starting point.
func (c *Cloud) Seed(rg, location string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range n {
		name := fmt.Sprintf("vm-%04d", i)
		pip := c.seedPublicIP(rg, location, name+"-ip")
		nic, _ := c.putNIC(rg, name+"-nic", armnetwork.Interface{
			Location: to.Ptr(location),
			Properties: &armnetwork.InterfacePropertiesFormat{IPConfigurations: []*armnetwork.InterfaceIPConfiguration{{
				Name:       to.Ptr("ipconfig1"),
				Properties: &armnetwork.InterfaceIPConfigurationPropertiesFormat{PublicIPAddress: &armnetwork.PublicIPAddress{ID: pip.ID}},
			}}},
		})
		in := armcompute.VirtualMachine{
			Location: to.Ptr(location),
			Tags:     map[string]*string{"seeded": to.Ptr("true")},
			Properties: &armcompute.VirtualMachineProperties{
				HardwareProfile: &armcompute.HardwareProfile{VMSize: to.Ptr(armcompute.VirtualMachineSizeTypesStandardB1S)},
				StorageProfile: &armcompute.StorageProfile{
					ImageReference: &armcompute.ImageReference{Publisher: to.Ptr("Canonical"), Offer: to.Ptr("ubuntu-24_04-lts"), SKU: to.Ptr("server"), Version: to.Ptr("latest")},
					OSDisk:         &armcompute.OSDisk{Name: to.Ptr(name + "-osdisk"), CreateOption: to.Ptr(armcompute.DiskCreateOptionTypesFromImage)},
				},
				NetworkProfile: &armcompute.NetworkProfile{NetworkInterfaces: []*armcompute.NetworkInterfaceReference{{ID: nic.ID}}},
			},
		}
		v := c.newVM(rg, name, in)
		v.power, v.provisioned = "PowerState/running", "Succeeded"
		c.vms[key(*v.m.ID)] = v
	}
}

func (c *Cloud) seedPublicIP(rg, location, name string) armnetwork.PublicIPAddress {
	id := c.id(rg, networkProvider, "publicIPAddresses", name)
	c.ipSeq++
	pip := &armnetwork.PublicIPAddress{
		ID: to.Ptr(id), Name: to.Ptr(name), Location: to.Ptr(location), Type: to.Ptr("Microsoft.Network/publicIPAddresses"),
		Properties: &armnetwork.PublicIPAddressPropertiesFormat{
			IPAddress:                to.Ptr(fmt.Sprintf("20.%d.%d.%d", c.ipSeq/65536%256, c.ipSeq/256%256, c.ipSeq%256)),
			PublicIPAllocationMethod: to.Ptr(armnetwork.IPAllocationMethodStatic),
		},
	}
	c.pips[key(id)] = pip
	return *pip
}
