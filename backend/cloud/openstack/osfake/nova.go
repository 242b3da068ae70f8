package osfake

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"sort"
	"time"
)

// server is one Nova server. Status and task move on by themselves when
// next is due, as Nova's do when the compute host finishes.
type server struct {
	ID, Name, Status, Task string
	FlavorID, ImageID      string
	KeyName                string
	Metadata               map[string]string
	SecurityGroups         []string
	UserData               string
	Created, Updated       time.Time
	Fault                  string
	Console                string
	oldFlavor              string // while VERIFY_RESIZE: the flavor a revert returns to
	wasStopped             bool   // resized while SHUTOFF: confirm returns to SHUTOFF
	next                   *transition
}

// transition is a state change the fake's "compute host" will finish at.
type transition struct {
	at           time.Time
	status, task string
	gone         bool // delete: the server disappears
	apply        func(*server)
}

// vmStates is Nova's vm_state for each status (nova/api/openstack/common.py).
var vmStates = map[string]string{
	"ACTIVE": "active", "BUILD": "building", "SHUTOFF": "stopped", "SUSPENDED": "suspended",
	"PAUSED": "paused", "SHELVED": "shelved", "SHELVED_OFFLOADED": "shelved_offloaded",
	"RESIZE": "active", "VERIFY_RESIZE": "resized", "REVERT_RESIZE": "resized",
	"REBOOT": "active", "HARD_REBOOT": "active", "REBUILD": "active", "MIGRATING": "active",
	"ERROR": "error", "DELETED": "deleted", "SOFT_DELETED": "soft-delete", "RESCUE": "rescued",
}

// advance finishes every transition that is due; called with c.mu held.
func (c *Cloud) advance() {
	now := c.now()
	for id, s := range c.servers {
		if s.next == nil || now.Before(s.next.at) {
			continue
		}
		t := s.next
		s.next = nil
		if t.gone {
			c.removeServer(id)
			continue
		}
		s.Status, s.Task, s.Updated = t.status, t.task, t.at
		if t.apply != nil {
			t.apply(s)
		}
	}
}

func (c *Cloud) removeServer(id string) {
	delete(c.servers, id)
	for pid, p := range c.ports {
		if p.DeviceID != id {
			continue
		}
		for _, f := range c.floatings {
			if f.PortID == pid {
				f.PortID, f.FixedIP, f.Status = "", "", "DOWN"
			}
		}
		delete(c.ports, pid)
	}
}

func (c *Cloud) routeNova(mux *http.ServeMux) {
	const p = "/compute/v2.1"
	c.handle(mux, "GET "+p+"/servers", true, c.listServers(false))
	c.handle(mux, "GET "+p+"/servers/detail", true, c.listServers(true))
	c.handle(mux, "POST "+p+"/servers", true, c.createServer)
	c.handle(mux, "GET "+p+"/servers/{id}", true, c.showServer)
	c.handle(mux, "PUT "+p+"/servers/{id}", true, c.updateServer)
	c.handle(mux, "DELETE "+p+"/servers/{id}", true, c.deleteServer)
	c.handle(mux, "POST "+p+"/servers/{id}/action", true, c.serverAction)
	c.handle(mux, "GET "+p+"/flavors/detail", true, c.listFlavors)
	c.handle(mux, "GET "+p+"/flavors/{id}", true, c.showFlavor)
	c.handle(mux, "GET "+p+"/os-keypairs", true, c.listKeypairs)
	c.handle(mux, "POST "+p+"/os-keypairs", true, c.createKeypair)
	c.handle(mux, "GET "+p+"/os-keypairs/{name}", true, c.showKeypair)
}

// listServers answers GET /servers and /servers/detail: newest first,
// name as a regular expression search and status filters, limit and
// marker paging with a servers_links next link on every full page.
func (c *Cloud) listServers(detail bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var nameRE *regexp.Regexp
		if n := q.Get("name"); n != "" {
			re, err := regexp.Compile(n)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, "Invalid regular expression in name filter"))
				return
			}
			nameRE = re
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.advance()
		var all []*server
		for _, s := range c.servers {
			if nameRE != nil && !nameRE.MatchString(s.Name) {
				continue
			}
			if st := q.Get("status"); st != "" && st != s.Status {
				continue
			}
			all = append(all, s)
		}
		sort.Slice(all, func(i, j int) bool {
			if !all[i].Created.Equal(all[j].Created) {
				return all[i].Created.After(all[j].Created)
			}
			return all[i].ID > all[j].ID
		})
		got, more, err := page(all, func(s *server) string { return s.ID }, q, c.maxLimit)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, err.Error()))
			return
		}
		out := make([]any, 0, len(got))
		for _, s := range got {
			if detail {
				out = append(out, c.serverJSON(s, microversion(r)))
			} else {
				out = append(out, map[string]any{"id": s.ID, "name": s.Name, "links": c.links("servers", s.ID)})
			}
		}
		body := map[string]any{"servers": out}
		if more {
			next := q
			next.Set("marker", got[len(got)-1].ID)
			next.Set("limit", fmt.Sprint(len(got)))
			body["servers_links"] = []any{map[string]any{"rel": "next", "href": c.srv.URL + r.URL.Path + "?" + next.Encode()}}
		}
		writeJSON(w, http.StatusOK, body)
	}
}

func (c *Cloud) links(coll, id string) []any {
	return []any{
		map[string]any{"rel": "self", "href": c.srv.URL + "/compute/v2.1/" + coll + "/" + id},
		map[string]any{"rel": "bookmark", "href": c.srv.URL + "/compute/" + coll + "/" + id},
	}
}

// serverJSON renders s as GET /servers/{id} does at microversion mv: the
// flavor is embedded from 2.47 on, a link before.
func (c *Cloud) serverJSON(s *server, mv int) map[string]any {
	f := c.flavor(s.FlavorID)
	var flv any = map[string]any{"id": s.FlavorID, "links": c.links("flavors", s.FlavorID)}
	if mv >= 47 {
		flv = map[string]any{"original_name": f.Name, "vcpus": f.VCPUs, "ram": f.RAM, "disk": f.Disk, "ephemeral": 0, "swap": 0, "extra_specs": map[string]any{}}
	}
	var key any
	if s.KeyName != "" {
		key = s.KeyName
	}
	var task any
	if s.Task != "" {
		task = s.Task
	}
	sgs := []any{}
	for _, g := range s.SecurityGroups {
		sgs = append(sgs, map[string]any{"name": c.groupName(g)})
	}
	power := 4
	if s.Status == "ACTIVE" || s.Status == "REBOOT" || s.Status == "RESIZE" || s.Status == "VERIFY_RESIZE" {
		power = 1
	}
	out := map[string]any{
		"id": s.ID, "name": s.Name, "status": s.Status,
		"tenant_id": ProjectID, "user_id": UserID,
		"metadata": s.Metadata, "hostId": "c0ffee", "key_name": key,
		"image":   map[string]any{"id": s.ImageID, "links": c.links("images", s.ImageID)},
		"flavor":  flv,
		"created": s.Created.UTC().Format(time.RFC3339), "updated": s.Updated.UTC().Format(time.RFC3339),
		"addresses": c.addresses(s.ID), "accessIPv4": "", "accessIPv6": "",
		"links": c.links("servers", s.ID), "progress": 0, "config_drive": "",
		"OS-DCF:diskConfig": "MANUAL", "OS-EXT-AZ:availability_zone": "nova",
		"OS-EXT-STS:task_state": task, "OS-EXT-STS:vm_state": vmStates[s.Status], "OS-EXT-STS:power_state": power,
		"OS-SRV-USG:launched_at": s.Created.UTC().Format("2006-01-02T15:04:05.000000"), "OS-SRV-USG:terminated_at": nil,
		"security_groups": sgs, "os-extended-volumes:volumes_attached": []any{},
	}
	if s.Status == "ERROR" && s.Fault != "" {
		out["fault"] = map[string]any{"code": 500, "message": s.Fault, "created": s.Updated.UTC().Format(time.RFC3339)}
	}
	return out
}

// addresses is the server's addresses as Nova shows them: per network,
// each port's fixed IP and the floating IP on that port.
func (c *Cloud) addresses(id string) map[string]any {
	out := map[string]any{}
	for pid, p := range c.ports {
		if p.DeviceID != id {
			continue
		}
		net := c.network(p.NetworkID).Name
		list, _ := out[net].([]any)
		list = append(list, map[string]any{"version": 4, "addr": p.IP, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": p.MAC})
		for _, f := range c.floatings {
			if f.PortID == pid {
				list = append(list, map[string]any{"version": 4, "addr": f.Address, "OS-EXT-IPS:type": "floating", "OS-EXT-IPS-MAC:mac_addr": p.MAC})
			}
		}
		out[net] = list
	}
	return out
}

func (c *Cloud) getServer(w http.ResponseWriter, r *http.Request) (*server, bool) {
	c.advance()
	id := r.PathValue("id")
	s, ok := c.servers[id]
	if !ok {
		writeJSON(w, http.StatusNotFound, fault("itemNotFound", 404, fmt.Sprintf("Instance %s could not be found.", id)))
	}
	return s, ok
}

func (c *Cloud) showServer(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.getServer(w, r); ok {
		writeJSON(w, http.StatusOK, map[string]any{"server": c.serverJSON(s, microversion(r))})
	}
}

func (c *Cloud) updateServer(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Server struct {
			Name *string `json:"name"`
		} `json:"server"`
	}
	if err := decode(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, "Malformed request body"))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.getServer(w, r)
	if !ok {
		return
	}
	if req.Server.Name != nil {
		s.Name, s.Updated = *req.Server.Name, c.now()
	}
	writeJSON(w, http.StatusOK, map[string]any{"server": c.serverJSON(s, microversion(r))})
}

// deleteServer answers 204 at once; the server shows task_state deleting
// until the action delay has passed, then is gone (404).
func (c *Cloud) deleteServer(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.getServer(w, r)
	if !ok {
		return
	}
	s.Task = "deleting"
	s.next = &transition{at: c.now().Add(c.actionTime), gone: true}
	writeJSON(w, http.StatusNoContent, nil)
}

// ServerInfo is what a test may check of a server behind the API's back.
type ServerInfo struct {
	Status, Task, Flavor string
	Metadata             map[string]string
}

// Server reports on the server with this id; false if there is none.
func (c *Cloud) Server(id string) (ServerInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance()
	s, ok := c.servers[id]
	if !ok {
		return ServerInfo{}, false
	}
	return ServerInfo{Status: s.Status, Task: s.Task, Flavor: c.flavor(s.FlavorID).Name, Metadata: maps.Clone(s.Metadata)}, true
}

// ServerCount is how many servers exist, deleted ones not counted.
func (c *Cloud) ServerCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.advance()
	return len(c.servers)
}

// SetServerState forces a server into status and task, as an operator's
// reset-state or a failing compute host would; a non-empty faultMsg is
// shown as the server's fault. Pending transitions are dropped.
func (c *Cloud) SetServerState(id, status, task, faultMsg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.servers[id]; ok {
		s.Status, s.Task, s.Fault, s.next = status, task, faultMsg, nil
	}
}

// Seed adds n ACTIVE servers named seed-0000 … on the private network,
// created a second apart, as if they had been running for a while.
func (c *Cloud) Seed(n int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	base := c.now().Add(-time.Duration(n) * time.Second)
	ids := make([]string, n)
	for i := range n {
		s := c.addServer(fmt.Sprintf("seed-%04d", i), c.flavorByName(DefaultFlavor).ID, c.images[0].ID, "", c.network(c.networkByName(PrivateNet)).ID, nil, map[string]string{"role": "seed"})
		s.Created = base.Add(time.Duration(i) * time.Second)
		s.Updated, s.Status, s.Task, s.next = s.Created, "ACTIVE", "", nil
		ids[i] = s.ID
	}
	return ids
}

// addServer makes a BUILD server with a port on netID; called with c.mu held.
func (c *Cloud) addServer(name, flavorID, imageID, key, netID string, groups []string, md map[string]string) *server {
	now := c.now()
	if md == nil {
		md = map[string]string{}
	}
	s := &server{
		ID: c.newID(1), Name: name, Status: "BUILD", Task: "spawning",
		FlavorID: flavorID, ImageID: imageID, KeyName: key, Metadata: md,
		SecurityGroups: groups, Created: now, Updated: now,
	}
	s.Console = fmt.Sprintf("[    0.000000] Linux version 6.8.0 (buildd@lcy02)\ncloud-init: %s up\nUbuntu 24.04 LTS %s ttyS0\n", name, name)
	s.next = &transition{at: now.Add(c.buildTime), status: "ACTIVE"}
	c.servers[s.ID] = s
	c.addPort(netID, s.ID, groups)
	return s
}

func decodeUserData(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	b, err := base64.StdEncoding.DecodeString(v)
	return string(b), err
}
