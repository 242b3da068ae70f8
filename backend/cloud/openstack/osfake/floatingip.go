package osfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
)

func (c *Cloud) floatingJSON(f *floatingIP) map[string]any {
	j := map[string]any{
		"id": f.ID, "floating_network_id": f.NetworkID, "floating_ip_address": f.Address,
		"port_id": nil, "fixed_ip_address": nil, "router_id": nil, "status": f.Status,
		"tenant_id": ProjectID, "project_id": ProjectID, "description": f.Description,
	}
	if f.PortID != "" {
		j["port_id"], j["fixed_ip_address"], j["router_id"] = f.PortID, f.FixedIP, "r-0001"
	}
	return j
}

func (c *Cloud) listFloatingIPs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.mu.Lock()
	defer c.mu.Unlock()
	var fs []*floatingIP
	for _, f := range c.floatings {
		if matches(q, "floating_ip_address", f.Address) && matches(q, "port_id", f.PortID) && matches(q, "floating_network_id", f.NetworkID) {
			fs = append(fs, f)
		}
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
	out := []any{}
	for _, f := range fs {
		out = append(out, c.floatingJSON(f))
	}
	writeJSON(w, http.StatusOK, map[string]any{"floatingips": out})
}

// bindPort attaches f to portID; called with c.mu held. It answers
// Neutron's error when the port does not exist.
func (c *Cloud) bindPort(w http.ResponseWriter, f *floatingIP, portID string) bool {
	if portID == "" {
		f.PortID, f.FixedIP, f.Status = "", "", "DOWN"
		return true
	}
	p, ok := c.ports[portID]
	if !ok {
		writeJSON(w, http.StatusNotFound, neutronError("PortNotFound", fmt.Sprintf("Port %s could not be found.", portID)))
		return false
	}
	f.PortID, f.FixedIP, f.Status = p.ID, p.IP, "ACTIVE"
	return true
}

func (c *Cloud) createFloatingIP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		FIP struct {
			NetworkID   string `json:"floating_network_id"`
			PortID      string `json:"port_id"`
			Description string `json:"description"`
		} `json:"floatingip"`
	}
	if err := decode(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, neutronError("HTTPBadRequest", "Malformed request body"))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.network(req.FIP.NetworkID)
	if !n.External {
		writeJSON(w, http.StatusBadRequest, neutronError("BadRequest",
			fmt.Sprintf("Bad floatingip request: Network %s is not a valid external network.", req.FIP.NetworkID)))
		return
	}
	f := &floatingIP{ID: c.newID(8), NetworkID: n.ID, Address: c.nextIP(n.ID), Description: req.FIP.Description}
	if !c.bindPort(w, f, req.FIP.PortID) {
		return
	}
	c.floatings[f.ID] = f
	writeJSON(w, http.StatusCreated, map[string]any{"floatingip": c.floatingJSON(f)})
}

func (c *Cloud) getFloating(w http.ResponseWriter, r *http.Request) (*floatingIP, bool) {
	f, ok := c.floatings[r.PathValue("id")]
	if !ok {
		writeJSON(w, http.StatusNotFound, neutronError("FloatingIPNotFound", fmt.Sprintf("Floating IP %s could not be found", r.PathValue("id"))))
	}
	return f, ok
}

func (c *Cloud) showFloatingIP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.getFloating(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]any{"floatingip": c.floatingJSON(f)})
	}
}

// updateFloatingIP associates ({"port_id": id}) or disassociates
// ({"port_id": null}).
func (c *Cloud) updateFloatingIP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		FIP map[string]json.RawMessage `json:"floatingip"`
	}
	if err := decode(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, neutronError("HTTPBadRequest", "Malformed request body"))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.getFloating(w, r)
	if !ok {
		return
	}
	if raw, set := req.FIP["port_id"]; set {
		var portID *string
		_ = json.Unmarshal(raw, &portID)
		id := ""
		if portID != nil {
			id = *portID
		}
		if !c.bindPort(w, f, id) {
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"floatingip": c.floatingJSON(f)})
}

func (c *Cloud) deleteFloatingIP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f, ok := c.getFloating(w, r); ok {
		delete(c.floatings, f.ID)
		writeJSON(w, http.StatusNoContent, nil)
	}
}

// FloatingIPCount is how many floating IPs the project holds.
func (c *Cloud) FloatingIPCount() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.floatings) }
