package importers

import (
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// cmCluster makes one hosts connection of a cluster entry: either a single
// machine (address at the top) or a group whose sub-entries have addresses.
// Cloudmesh records the public key (credentials.pulickey, sic); the key to
// sign in with is the private key beside it.
func cmCluster(r *Result, src, name string, e *obj) {
	c := newConn(model.CloudHosts, name, src)
	c.Active = activeFlag(e)
	if e.str("address") != "" {
		c.Hosts = append(c.Hosts, cmHost(firstSet(e.str("name"), name), e))
	}
	e.each(func(key string, h *obj) {
		if h.str("address") != "" {
			c.Hosts = append(c.Hosts, cmHost(firstSet(h.str("name"), key), h))
		}
	})
	if len(c.Hosts) == 0 {
		r.skip(src, name, "no host with an address (an ssh config alias alone is not imported: add the host by hand)")
		return
	}
	r.Connections = append(r.Connections, c)
}

func cmHost(name string, h *obj) model.SSHHost {
	creds := h.obj("credentials")
	host := model.SSHHost{Name: name, Address: h.str("address")}
	if addr, port, ok := strings.Cut(host.Address, ":"); ok {
		if p, err := strconv.Atoi(port); err == nil {
			host.Address, host.Port = addr, p
		}
	}
	host.User = firstSet(creds.str("username"))
	if pub := firstSet(creds.str("pulickey"), creds.str("publickey")); pub != "" {
		host.KeyFile = strings.TrimSuffix(pub, ".pub")
	}
	return host
}
