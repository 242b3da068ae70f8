package osfake

import (
	"fmt"
	"net/http"
	"sort"
)

type network struct {
	ID, Name, Subnet string
	CIDR             string // the first three octets of its /24
	External         bool
	next             int
}

type port struct {
	ID, NetworkID, DeviceID, IP, MAC string
	Groups                           []string
}

type secGroup struct {
	ID, Name, Description string
	Rules                 []rule
}

type rule struct {
	ID, Direction, EtherType, Protocol, RemoteIPPrefix string
	PortMin, PortMax                                   int
}

type floatingIP struct {
	ID, NetworkID, Address, PortID, FixedIP, Status, Description string
}

func (c *Cloud) routeNeutron(mux *http.ServeMux) {
	const p = "/network/v2.0"
	c.handle(mux, "GET /network/{$}", false, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"versions": []any{map[string]any{
			"id": "v2.0", "status": "CURRENT",
			"links": []any{map[string]any{"rel": "self", "href": c.srv.URL + p + "/"}},
		}}})
	})
	c.handle(mux, "GET "+p+"/networks", true, c.listNetworks)
	c.handle(mux, "GET "+p+"/ports", true, c.listPorts)
	c.handle(mux, "GET "+p+"/security-groups", true, c.listGroups)
	c.handle(mux, "POST "+p+"/security-groups", true, c.createGroup)
	c.handle(mux, "GET "+p+"/security-group-rules", true, c.listRules)
	c.handle(mux, "POST "+p+"/security-group-rules", true, c.createRule)
	c.handle(mux, "GET "+p+"/floatingips", true, c.listFloatingIPs)
	c.handle(mux, "POST "+p+"/floatingips", true, c.createFloatingIP)
	c.handle(mux, "GET "+p+"/floatingips/{id}", true, c.showFloatingIP)
	c.handle(mux, "PUT "+p+"/floatingips/{id}", true, c.updateFloatingIP)
	c.handle(mux, "DELETE "+p+"/floatingips/{id}", true, c.deleteFloatingIP)
}

func (c *Cloud) network(id string) network {
	for _, n := range c.networks {
		if n.ID == id {
			return n
		}
	}
	return network{}
}

func (c *Cloud) networkByName(name string) string {
	for _, n := range c.networks {
		if n.Name == name {
			return n.ID
		}
	}
	return ""
}

// nextIP hands out the network's next address; called with c.mu held.
func (c *Cloud) nextIP(netID string) string {
	for i := range c.networks {
		if n := &c.networks[i]; n.ID == netID {
			n.next++
			return fmt.Sprintf("%s.%d", n.CIDR, 10+n.next%240)
		}
	}
	return ""
}

func (c *Cloud) addPort(netID, deviceID string, groups []string) {
	if netID == "" {
		return
	}
	p := &port{ID: c.newID(6), NetworkID: netID, DeviceID: deviceID, IP: c.nextIP(netID), Groups: groups}
	p.MAC = fmt.Sprintf("fa:16:3e:%02x:%02x:%02x", c.seq>>16&0xff, c.seq>>8&0xff, c.seq&0xff)
	c.ports[p.ID] = p
}

func (c *Cloud) groupID(nameOrID string) string {
	if _, ok := c.groups[nameOrID]; ok {
		return nameOrID
	}
	for id, g := range c.groups {
		if g.Name == nameOrID {
			return id
		}
	}
	return ""
}

func (c *Cloud) groupName(id string) string {
	if g, ok := c.groups[id]; ok {
		return g.Name
	}
	return id
}

func (c *Cloud) defaultGroup() string { return c.groupID("default") }

// matches reports whether v passes the query's filter on key: Neutron
// filters are exact matches on any attribute.
func matches(q map[string][]string, key, v string) bool {
	f := first(q, key)
	return f == "" || f == v
}

func (c *Cloud) listNetworks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []any{}
	for _, n := range c.networks {
		if !matches(q, "id", n.ID) || !matches(q, "name", n.Name) || !matches(q, "router:external", fmt.Sprint(n.External)) {
			continue
		}
		out = append(out, map[string]any{
			"id": n.ID, "name": n.Name, "status": "ACTIVE", "admin_state_up": true,
			"subnets": []string{n.Subnet}, "router:external": n.External, "shared": n.External,
			"tenant_id": ProjectID, "project_id": ProjectID, "mtu": 1450,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"networks": out})
}

func (c *Cloud) portJSON(p *port) map[string]any {
	return map[string]any{
		"id": p.ID, "network_id": p.NetworkID, "device_id": p.DeviceID, "device_owner": "compute:nova",
		"mac_address": p.MAC, "status": "ACTIVE", "admin_state_up": true,
		"fixed_ips":       []any{map[string]any{"subnet_id": c.network(p.NetworkID).Subnet, "ip_address": p.IP}},
		"security_groups": p.Groups, "tenant_id": ProjectID, "project_id": ProjectID,
	}
}

func (c *Cloud) listPorts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.mu.Lock()
	defer c.mu.Unlock()
	var ps []*port
	for _, p := range c.ports {
		if matches(q, "device_id", p.DeviceID) && matches(q, "network_id", p.NetworkID) && matches(q, "id", p.ID) {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].ID < ps[j].ID })
	out := []any{}
	for _, p := range ps {
		out = append(out, c.portJSON(p))
	}
	writeJSON(w, http.StatusOK, map[string]any{"ports": out})
}

func ruleJSON(groupID string, r rule) map[string]any {
	j := map[string]any{
		"id": r.ID, "security_group_id": groupID, "direction": r.Direction, "ethertype": r.EtherType,
		"protocol": nil, "port_range_min": nil, "port_range_max": nil, "remote_ip_prefix": nil,
		"remote_group_id": nil, "tenant_id": ProjectID, "project_id": ProjectID,
	}
	if r.Protocol != "" {
		j["protocol"], j["port_range_min"], j["port_range_max"] = r.Protocol, r.PortMin, r.PortMax
	}
	if r.RemoteIPPrefix != "" {
		j["remote_ip_prefix"] = r.RemoteIPPrefix
	}
	return j
}

func (c *Cloud) groupJSON(g *secGroup) map[string]any {
	rules := []any{}
	for _, r := range g.Rules {
		rules = append(rules, ruleJSON(g.ID, r))
	}
	return map[string]any{
		"id": g.ID, "name": g.Name, "description": g.Description,
		"security_group_rules": rules, "tenant_id": ProjectID, "project_id": ProjectID, "stateful": true,
	}
}

func (c *Cloud) sortedGroups() []*secGroup {
	var gs []*secGroup
	for _, g := range c.groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].ID < gs[j].ID })
	return gs
}

func (c *Cloud) listGroups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []any{}
	for _, g := range c.sortedGroups() {
		if matches(q, "name", g.Name) && matches(q, "id", g.ID) && matches(q, "project_id", ProjectID) && matches(q, "tenant_id", ProjectID) {
			out = append(out, c.groupJSON(g))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"security_groups": out})
}

// createGroup makes a group with Neutron's two default egress rules.
func (c *Cloud) createGroup(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Group struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"security_group"`
	}
	if err := decode(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, neutronError("HTTPBadRequest", "Malformed request body"))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := &secGroup{ID: c.newID(5), Name: req.Group.Name, Description: req.Group.Description}
	g.Rules = []rule{{ID: c.newID(7), Direction: "egress", EtherType: "IPv4"}, {ID: c.newID(7), Direction: "egress", EtherType: "IPv6"}}
	c.groups[g.ID] = g
	writeJSON(w, http.StatusCreated, map[string]any{"security_group": c.groupJSON(g)})
}

func (c *Cloud) listRules(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []any{}
	for _, g := range c.sortedGroups() {
		if !matches(q, "security_group_id", g.ID) {
			continue
		}
		for _, ru := range g.Rules {
			if matches(q, "direction", ru.Direction) && matches(q, "protocol", ru.Protocol) {
				out = append(out, ruleJSON(g.ID, ru))
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"security_group_rules": out})
}

// createRule adds a rule; the same rule twice is Neutron's 409
// SecurityGroupRuleExists.
func (c *Cloud) createRule(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Rule struct {
			GroupID        string `json:"security_group_id"`
			Direction      string `json:"direction"`
			EtherType      string `json:"ethertype"`
			Protocol       string `json:"protocol"`
			PortMin        int    `json:"port_range_min"`
			PortMax        int    `json:"port_range_max"`
			RemoteIPPrefix string `json:"remote_ip_prefix"`
		} `json:"security_group_rule"`
	}
	if err := decode(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, neutronError("HTTPBadRequest", "Malformed request body"))
		return
	}
	in := req.Rule
	c.mu.Lock()
	defer c.mu.Unlock()
	g, ok := c.groups[in.GroupID]
	if !ok {
		writeJSON(w, http.StatusNotFound, neutronError("SecurityGroupNotFound", fmt.Sprintf("Security group %s does not exist", in.GroupID)))
		return
	}
	nr := rule{Direction: in.Direction, EtherType: in.EtherType, Protocol: in.Protocol, PortMin: in.PortMin, PortMax: in.PortMax, RemoteIPPrefix: in.RemoteIPPrefix}
	for _, old := range g.Rules {
		if nr.ID = old.ID; nr == old {
			writeJSON(w, http.StatusConflict, neutronError("SecurityGroupRuleExists", fmt.Sprintf("Security group rule already exists. Rule id is %s.", old.ID)))
			return
		}
	}
	nr.ID = c.newID(7)
	g.Rules = append(g.Rules, nr)
	writeJSON(w, http.StatusCreated, map[string]any{"security_group_rule": ruleJSON(g.ID, nr)})
}

// AddNetwork adds a project network beside the private one, as Chameleon
// and Jetstream2 projects have (a shared one and their own), and returns
// its id.
func (c *Cloud) AddNetwork(name string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := network{ID: c.newID(3), Name: name, Subnet: c.newID(4), CIDR: fmt.Sprintf("10.%d.0", len(c.networks))}
	c.networks = append(c.networks, n)
	return n.ID
}
