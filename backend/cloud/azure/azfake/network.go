package azfake

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9/fake"
)

const networkProvider = "Microsoft.Network"

// inGroup returns the values of m in resource group rg ("" for all),
// ordered by id. Callers hold c.mu.
func inGroup[T any](c *Cloud, m map[string]*T, rg string) []*T {
	prefix := key(fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/", c.sub, rg))
	var keys []string
	for k := range m {
		if rg == "" || strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]*T, 0, len(keys))
	for _, k := range keys {
		v := *m[k]
		out = append(out, &v)
	}
	return out
}

// inUse is ARM's refusal to delete a resource another one still uses.
func inUse(code, msg string, args ...any) *armError {
	return &armError{Status: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(msg, args...)}
}

func (c *Cloud) interfacesServer() fake.InterfacesServer {
	return fake.InterfacesServer{
		BeginCreateOrUpdate: func(_ context.Context, rg, name string, in armnetwork.Interface, _ *armnetwork.InterfacesClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armnetwork.InterfacesClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			nic, err := c.putNIC(rg, name, in)
			if err != nil {
				errResp.SetError(err)
				return
			}
			resp.SetTerminalResponse(http.StatusOK, armnetwork.InterfacesClientCreateOrUpdateResponse{Interface: nic}, nil)
			return
		},
		Get: func(_ context.Context, rg, name string, _ *armnetwork.InterfacesClientGetOptions) (resp azfake.Responder[armnetwork.InterfacesClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			nic, ok := c.nics[key(c.id(rg, networkProvider, "networkInterfaces", name))]
			if !ok {
				errResp.SetError(c.notFound("Microsoft.Network/networkInterfaces", rg, name))
				return
			}
			resp.SetResponse(http.StatusOK, armnetwork.InterfacesClientGetResponse{Interface: *nic}, nil)
			return
		},
		BeginDelete: func(_ context.Context, rg, name string, _ *armnetwork.InterfacesClientBeginDeleteOptions) (resp azfake.PollerResponder[armnetwork.InterfacesClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			k := key(c.id(rg, networkProvider, "networkInterfaces", name))
			if nic, ok := c.nics[k]; ok {
				if owner := nic.Properties.VirtualMachine; owner != nil {
					errResp.SetError(inUse("NicInUse", "Network Interface %s is used by existing resource %s. In order to delete the network interface, it must be dissociated from the resource.", *nic.ID, deref(owner.ID)))
					return
				}
				c.unlinkPublicIPs(nic)
				delete(c.nics, k)
			}
			resp.SetTerminalResponse(http.StatusOK, armnetwork.InterfacesClientDeleteResponse{}, nil)
			return
		},
		NewListPager: func(rg string, _ *armnetwork.InterfacesClientListOptions) (resp azfake.PagerResponder[armnetwork.InterfacesClientListResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			for _, p := range pages(inGroup(c, c.nics, rg), c.pageSize) {
				resp.AddPage(http.StatusOK, armnetwork.InterfacesClientListResponse{InterfaceListResult: armnetwork.InterfaceListResult{Value: p}}, nil)
			}
			return
		},
		NewListAllPager: func(*armnetwork.InterfacesClientListAllOptions) (resp azfake.PagerResponder[armnetwork.InterfacesClientListAllResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			for _, p := range pages(inGroup(c, c.nics, ""), c.pageSize) {
				resp.AddPage(http.StatusOK, armnetwork.InterfacesClientListAllResponse{InterfaceListResult: armnetwork.InterfaceListResult{Value: p}}, nil)
			}
			return
		},
	}
}

// putNIC creates or replaces a NIC, giving each IP configuration a private
// address in its subnet and linking the public IPs it names. Callers hold
// c.mu.
func (c *Cloud) putNIC(rg, name string, in armnetwork.Interface) (armnetwork.Interface, *armError) {
	id := c.id(rg, networkProvider, "networkInterfaces", name)
	old, existed := c.nics[key(id)]
	nic := in
	nic.ID, nic.Name, nic.Type = to.Ptr(id), to.Ptr(name), to.Ptr("Microsoft.Network/networkInterfaces")
	props := armnetwork.InterfacePropertiesFormat{}
	if in.Properties != nil {
		props = *in.Properties
	}
	props.ProvisioningState = to.Ptr(armnetwork.ProvisioningStateSucceeded)
	if existed {
		props.VirtualMachine = old.Properties.VirtualMachine
	}
	if props.NetworkSecurityGroup != nil {
		if _, ok := c.nsgs[key(deref(props.NetworkSecurityGroup.ID))]; !ok {
			return nic, &armError{Status: http.StatusBadRequest, Code: "InvalidResourceReference", Message: fmt.Sprintf("Resource %s referenced by resource %s was not found.", deref(props.NetworkSecurityGroup.ID), id)}
		}
	}
	configs := make([]*armnetwork.InterfaceIPConfiguration, 0, len(props.IPConfigurations))
	for i, in := range props.IPConfigurations {
		ipc := *in
		ipc.ID = to.Ptr(fmt.Sprintf("%s/ipConfigurations/%s", id, deref(ipc.Name)))
		ip := armnetwork.InterfaceIPConfigurationPropertiesFormat{}
		if in.Properties != nil {
			ip = *in.Properties
		}
		if ip.PrivateIPAddress == nil {
			ip.PrivateIPAddress = to.Ptr(fmt.Sprintf("10.0.%d.%d", (len(c.nics)/250)%250, len(c.nics)%250+4))
			if existed && i < len(old.Properties.IPConfigurations) {
				ip.PrivateIPAddress = old.Properties.IPConfigurations[i].Properties.PrivateIPAddress
			}
		}
		if ip.PublicIPAddress != nil {
			pip, ok := c.pips[key(deref(ip.PublicIPAddress.ID))]
			if !ok {
				return nic, &armError{Status: http.StatusBadRequest, Code: "InvalidResourceReference", Message: fmt.Sprintf("Resource %s referenced by resource %s was not found.", deref(ip.PublicIPAddress.ID), id)}
			}
			pp := *pip.Properties
			pp.IPConfiguration = &armnetwork.IPConfiguration{ID: ipc.ID}
			pip.Properties = &pp
			ip.PublicIPAddress = &armnetwork.PublicIPAddress{ID: pip.ID}
		}
		ipc.Properties = &ip
		configs = append(configs, &ipc)
	}
	props.IPConfigurations = configs
	if existed {
		c.unlinkDropped(old, configs)
	}
	nic.Properties = &props
	c.nics[key(id)] = &nic
	return nic, nil
}

// unlinkDropped frees the public IPs an updated NIC no longer uses.
func (c *Cloud) unlinkDropped(old *armnetwork.Interface, now []*armnetwork.InterfaceIPConfiguration) {
	kept := map[string]bool{}
	for _, ipc := range now {
		if ipc.Properties.PublicIPAddress != nil {
			kept[key(deref(ipc.Properties.PublicIPAddress.ID))] = true
		}
	}
	for _, ipc := range old.Properties.IPConfigurations {
		if ipc.Properties == nil || ipc.Properties.PublicIPAddress == nil {
			continue
		}
		if k := key(deref(ipc.Properties.PublicIPAddress.ID)); !kept[k] {
			c.unlinkPublicIP(k)
		}
	}
}

func (c *Cloud) unlinkPublicIPs(nic *armnetwork.Interface) {
	for _, ipc := range nic.Properties.IPConfigurations {
		if ipc.Properties != nil && ipc.Properties.PublicIPAddress != nil {
			c.unlinkPublicIP(key(deref(ipc.Properties.PublicIPAddress.ID)))
		}
	}
}

func (c *Cloud) unlinkPublicIP(k string) {
	if pip, ok := c.pips[k]; ok {
		pp := *pip.Properties
		pp.IPConfiguration = nil
		pip.Properties = &pp
	}
}

func (c *Cloud) publicIPAddressesServer() fake.PublicIPAddressesServer {
	return fake.PublicIPAddressesServer{
		BeginCreateOrUpdate: func(_ context.Context, rg, name string, in armnetwork.PublicIPAddress, _ *armnetwork.PublicIPAddressesClientBeginCreateOrUpdateOptions) (resp azfake.PollerResponder[armnetwork.PublicIPAddressesClientCreateOrUpdateResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			id := c.id(rg, networkProvider, "publicIPAddresses", name)
			pip := in
			pip.ID, pip.Name, pip.Type = to.Ptr(id), to.Ptr(name), to.Ptr("Microsoft.Network/publicIPAddresses")
			props := armnetwork.PublicIPAddressPropertiesFormat{}
			if in.Properties != nil {
				props = *in.Properties
			}
			if old, ok := c.pips[key(id)]; ok {
				props.IPAddress, props.IPConfiguration = old.Properties.IPAddress, old.Properties.IPConfiguration
			} else {
				c.ipSeq++
				props.IPAddress = to.Ptr(fmt.Sprintf("20.%d.%d.%d", c.ipSeq/65536%256, c.ipSeq/256%256, c.ipSeq%256))
			}
			props.ProvisioningState = to.Ptr(armnetwork.ProvisioningStateSucceeded)
			pip.Properties = &props
			c.pips[key(id)] = &pip
			resp.SetTerminalResponse(http.StatusOK, armnetwork.PublicIPAddressesClientCreateOrUpdateResponse{PublicIPAddress: pip}, nil)
			return
		},
		Get: func(_ context.Context, rg, name string, _ *armnetwork.PublicIPAddressesClientGetOptions) (resp azfake.Responder[armnetwork.PublicIPAddressesClientGetResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			pip, ok := c.pips[key(c.id(rg, networkProvider, "publicIPAddresses", name))]
			if !ok {
				errResp.SetError(c.notFound("Microsoft.Network/publicIPAddresses", rg, name))
				return
			}
			resp.SetResponse(http.StatusOK, armnetwork.PublicIPAddressesClientGetResponse{PublicIPAddress: *pip}, nil)
			return
		},
		BeginDelete: func(_ context.Context, rg, name string, _ *armnetwork.PublicIPAddressesClientBeginDeleteOptions) (resp azfake.PollerResponder[armnetwork.PublicIPAddressesClientDeleteResponse], errResp azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			k := key(c.id(rg, networkProvider, "publicIPAddresses", name))
			if pip, ok := c.pips[k]; ok {
				if ipc := pip.Properties.IPConfiguration; ipc != nil {
					errResp.SetError(inUse("PublicIPAddressCannotBeDeleted", "Public IP address %s can not be deleted since it is still allocated to resource %s. In order to delete the public IP, disassociate/detach the Public IP address from the resource.", *pip.ID, deref(ipc.ID)))
					return
				}
				delete(c.pips, k)
			}
			resp.SetTerminalResponse(http.StatusOK, armnetwork.PublicIPAddressesClientDeleteResponse{}, nil)
			return
		},
		NewListPager: func(rg string, _ *armnetwork.PublicIPAddressesClientListOptions) (resp azfake.PagerResponder[armnetwork.PublicIPAddressesClientListResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			for _, p := range pages(inGroup(c, c.pips, rg), c.pageSize) {
				resp.AddPage(http.StatusOK, armnetwork.PublicIPAddressesClientListResponse{PublicIPAddressListResult: armnetwork.PublicIPAddressListResult{Value: p}}, nil)
			}
			return
		},
		NewListAllPager: func(*armnetwork.PublicIPAddressesClientListAllOptions) (resp azfake.PagerResponder[armnetwork.PublicIPAddressesClientListAllResponse]) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.settle()
			for _, p := range pages(inGroup(c, c.pips, ""), c.pageSize) {
				resp.AddPage(http.StatusOK, armnetwork.PublicIPAddressesClientListAllResponse{PublicIPAddressListResult: armnetwork.PublicIPAddressListResult{Value: p}}, nil)
			}
			return
		},
	}
}
