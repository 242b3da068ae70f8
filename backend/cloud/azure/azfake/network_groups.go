package azfake

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9/fake"
)

func (c *Cloud) securityGroupsServer() fake.SecurityGroupsServer {
	return fake.SecurityGroupsServer{
		BeginCreateOrUpdate: func(_ context.Context, rg, name string, in armnetwork.SecurityGroup, _ *armnetwork.SecurityGroupsClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armnetwork.SecurityGroupsClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			id := c.id(rg, networkProvider, "networkSecurityGroups", name)
			nsg := in
			nsg.ID, nsg.Name, nsg.Type = to.Ptr(id), to.Ptr(name), to.Ptr("Microsoft.Network/networkSecurityGroups")
			props := armnetwork.SecurityGroupPropertiesFormat{}
			if in.Properties != nil {
				props = *in.Properties
			}
			props.ProvisioningState = to.Ptr(armnetwork.ProvisioningStateSucceeded)
			nsg.Properties = &props
			c.nsgs[key(id)] = &nsg
			resp.SetTerminalResponse(http.StatusOK, armnetwork.SecurityGroupsClientCreateOrUpdateResponse{SecurityGroup: nsg}, nil)
			return
		},
		Get: func(_ context.Context, rg, name string, _ *armnetwork.SecurityGroupsClientGetOptions) (resp azfake.Responder[armnetwork.SecurityGroupsClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			nsg, ok := c.nsgs[key(c.id(rg, networkProvider, "networkSecurityGroups", name))]
			if !ok {
				errResp.SetError(c.notFound("Microsoft.Network/networkSecurityGroups", rg, name))
				return
			}
			resp.SetResponse(http.StatusOK, armnetwork.SecurityGroupsClientGetResponse{SecurityGroup: *nsg}, nil)
			return
		},
		BeginDelete: func(_ context.Context, rg, name string, _ *armnetwork.SecurityGroupsClientBeginDeleteOptions) (resp azfake.PollerResponder[armnetwork.SecurityGroupsClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			id := c.id(rg, networkProvider, "networkSecurityGroups", name)
			for _, nic := range c.nics {
				if g := nic.Properties.NetworkSecurityGroup; g != nil && strings.EqualFold(deref(g.ID), id) {
					errResp.SetError(inUse("InUseNetworkSecurityGroupCannotBeDeleted", "Network security group %s cannot be deleted because it is in use by the following resources: %s. In order to delete the Network security group, remove the association with the resource(s).", id, *nic.ID))
					return
				}
			}
			delete(c.nsgs, key(id))
			resp.SetTerminalResponse(http.StatusOK, armnetwork.SecurityGroupsClientDeleteResponse{}, nil)
			return
		},
	}
}

func (c *Cloud) virtualNetworksServer() fake.VirtualNetworksServer {
	return fake.VirtualNetworksServer{
		BeginCreateOrUpdate: func(_ context.Context, rg, name string, in armnetwork.VirtualNetwork, _ *armnetwork.VirtualNetworksClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armnetwork.VirtualNetworksClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			id := c.id(rg, networkProvider, "virtualNetworks", name)
			vnet := in
			vnet.ID, vnet.Name, vnet.Type = to.Ptr(id), to.Ptr(name), to.Ptr("Microsoft.Network/virtualNetworks")
			props := armnetwork.VirtualNetworkPropertiesFormat{}
			if in.Properties != nil {
				props = *in.Properties
			}
			subnets := make([]*armnetwork.Subnet, 0, len(props.Subnets))
			for _, s := range props.Subnets {
				sub := *s
				sub.ID = to.Ptr(id + "/subnets/" + deref(s.Name))
				subnets = append(subnets, &sub)
			}
			props.Subnets = subnets
			props.ProvisioningState = to.Ptr(armnetwork.ProvisioningStateSucceeded)
			vnet.Properties = &props
			c.vnets[key(id)] = &vnet
			resp.SetTerminalResponse(http.StatusOK, armnetwork.VirtualNetworksClientCreateOrUpdateResponse{VirtualNetwork: vnet}, nil)
			return
		},
		Get: func(_ context.Context, rg, name string, _ *armnetwork.VirtualNetworksClientGetOptions) (resp azfake.Responder[armnetwork.VirtualNetworksClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			vnet, ok := c.vnets[key(c.id(rg, networkProvider, "virtualNetworks", name))]
			if !ok {
				errResp.SetError(c.notFound("Microsoft.Network/virtualNetworks", rg, name))
				return
			}
			resp.SetResponse(http.StatusOK, armnetwork.VirtualNetworksClientGetResponse{VirtualNetwork: *vnet}, nil)
			return
		},
	}
}

func (c *Cloud) subnetsServer() fake.SubnetsServer {
	return fake.SubnetsServer{
		Get: func(_ context.Context, rg, vnetName, name string, _ *armnetwork.SubnetsClientGetOptions) (resp azfake.Responder[armnetwork.SubnetsClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if vnet, ok := c.vnets[key(c.id(rg, networkProvider, "virtualNetworks", vnetName))]; ok {
				for _, s := range vnet.Properties.Subnets {
					if strings.EqualFold(deref(s.Name), name) {
						resp.SetResponse(http.StatusOK, armnetwork.SubnetsClientGetResponse{Subnet: *s}, nil)
						return
					}
				}
			}
			errResp.SetError(c.notFound("Microsoft.Network/virtualNetworks/subnets", rg, fmt.Sprintf("%s/%s", vnetName, name)))
			return
		},
	}
}
