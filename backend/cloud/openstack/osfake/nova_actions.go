package osfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

type createRequest struct {
	Server struct {
		Name           string            `json:"name"`
		ImageRef       string            `json:"imageRef"`
		FlavorRef      string            `json:"flavorRef"`
		KeyName        string            `json:"key_name"`
		UserData       string            `json:"user_data"`
		Metadata       map[string]string `json:"metadata"`
		Networks       json.RawMessage   `json:"networks"`
		SecurityGroups []struct {
			Name string `json:"name"`
		} `json:"security_groups"`
	} `json:"server"`
}

// createServer answers POST /servers with 202 and the id, links and admin
// password, as Nova does, after checking what Nova checks up front: the
// image, the flavor, the key pair, the networks (required from 2.37) and
// the security groups.
func (c *Cloud) createServer(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := decode(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, "Malformed request body"))
		return
	}
	s := req.Server
	bad := func(msg string) { writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, msg)) }
	if s.Name == "" {
		bad("Invalid input for field/attribute server. Value: {}. 'name' is a required property")
		return
	}
	userData, err := decodeUserData(s.UserData)
	if err != nil {
		bad("User data needs to be valid base 64.")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.image(s.ImageRef) == nil {
		bad("Can not find requested image")
		return
	}
	if c.flavor(s.FlavorRef).ID == "" {
		bad(fmt.Sprintf("Flavor %s could not be found.", s.FlavorRef))
		return
	}
	if _, ok := c.keypairs[s.KeyName]; s.KeyName != "" && !ok {
		bad("Invalid key_name provided.")
		return
	}
	netID, status, msg := c.pickNetwork(s.Networks, microversion(r))
	if status != 0 {
		writeJSON(w, status, fault(map[int]string{400: "badRequest", 409: "conflictingRequest"}[status], status, msg))
		return
	}
	var groups []string
	for _, g := range s.SecurityGroups {
		id := c.groupID(g.Name)
		if id == "" {
			bad(fmt.Sprintf("Security group %s not found for project %s.", g.Name, ProjectID))
			return
		}
		groups = append(groups, id)
	}
	if len(groups) == 0 {
		groups = []string{c.defaultGroup()}
	}
	srv := c.addServer(s.Name, c.flavor(s.FlavorRef).ID, c.image(s.ImageRef).ID, s.KeyName, netID, groups, s.Metadata)
	srv.UserData = userData
	sgs := []any{}
	for _, g := range groups {
		sgs = append(sgs, map[string]any{"name": c.groupName(g)})
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"server": map[string]any{
		"id": srv.ID, "links": c.links("servers", srv.ID), "OS-DCF:diskConfig": "MANUAL",
		"security_groups": sgs, "adminPass": "fake-admin-pass",
	}})
}

// pickNetwork resolves the create request's networks as Nova does: a list
// of {"uuid"}, or from 2.37 "auto" (the project's only network) or "none".
func (c *Cloud) pickNetwork(raw json.RawMessage, mv int) (id string, status int, msg string) {
	if len(raw) == 0 {
		if mv >= 37 {
			return "", 400, "Invalid input for field/attribute server. Value: {}. 'networks' is a required property"
		}
		raw = json.RawMessage(`"auto"`)
	}
	var word string
	if json.Unmarshal(raw, &word) == nil {
		if word == "none" {
			return "", 0, ""
		}
		var own []string
		for _, n := range c.networks {
			if !n.External {
				own = append(own, n.ID)
			}
		}
		if len(own) != 1 {
			return "", 409, "Multiple possible networks found, use a Network ID to be more specific."
		}
		return own[0], 0, ""
	}
	var list []struct {
		UUID string `json:"uuid"`
		Port string `json:"port"`
	}
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return "", 400, "Invalid input for field/attribute networks."
	}
	if c.network(list[0].UUID).ID == "" {
		return "", 400, fmt.Sprintf("Network %s could not be found.", list[0].UUID)
	}
	return list[0].UUID, 0, ""
}

// actionRule is when an action is allowed and where it leads.
type actionRule struct {
	verb    string   // Nova's name for it in a conflict message
	from    []string // statuses it is allowed from
	via     string   // the status at once ("" keeps the current one)
	task    string   // the task_state meanwhile
	to      string   // the status once done ("" returns to the prior)
	instant bool     // done before the answer (confirmResize)
}

var actionRules = map[string]actionRule{
	"os-start":      {verb: "start", from: []string{"SHUTOFF"}, task: "powering-on", to: "ACTIVE"},
	"os-stop":       {verb: "stop", from: []string{"ACTIVE", "ERROR", "RESCUE"}, task: "powering-off", to: "SHUTOFF"},
	"suspend":       {verb: "suspend", from: []string{"ACTIVE"}, task: "suspending", to: "SUSPENDED"},
	"resume":        {verb: "resume", from: []string{"SUSPENDED"}, task: "resuming", to: "ACTIVE"},
	"shelve":        {verb: "shelve", from: []string{"ACTIVE", "SHUTOFF", "PAUSED", "SUSPENDED"}, task: "shelving", to: "SHELVED_OFFLOADED"},
	"unshelve":      {verb: "unshelve", from: []string{"SHELVED", "SHELVED_OFFLOADED"}, task: "unshelving", to: "ACTIVE"},
	"reboot":        {verb: "reboot", from: []string{"ACTIVE", "SHUTOFF", "ERROR", "PAUSED", "SUSPENDED"}, to: "ACTIVE"},
	"resize":        {verb: "resize", from: []string{"ACTIVE", "SHUTOFF"}, via: "RESIZE", task: "resize_migrating", to: "VERIFY_RESIZE"},
	"confirmResize": {verb: "confirmResize", from: []string{"VERIFY_RESIZE"}, instant: true},
	"revertResize":  {verb: "revertResize", from: []string{"VERIFY_RESIZE"}, via: "REVERT_RESIZE", task: "resize_reverting"},
	"rebuild":       {verb: "rebuild", from: []string{"ACTIVE", "SHUTOFF", "ERROR"}, via: "REBUILD", task: "rebuild_spawning"},
	"os-getConsoleOutput": {verb: "get_console_output", from: []string{
		"ACTIVE", "REBOOT", "HARD_REBOOT",
		"RESIZE", "VERIFY_RESIZE", "REBUILD", "SHUTOFF", "ERROR", "PAUSED", "SUSPENDED",
	}},
}

// serverAction answers POST /servers/{id}/action: 409 in a state the
// action is not allowed from, else 202 (204 for confirmResize, 200 with
// the output for os-getConsoleOutput) and the state moves on after the
// action delay.
func (c *Cloud) serverAction(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	if err := decode(r, &body); err != nil || len(body) != 1 {
		writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, "Malformed request body"))
		return
	}
	var name string
	var arg json.RawMessage
	for k, v := range body {
		name, arg = k, v
	}
	rule, known := actionRules[name]
	if !known {
		writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, "There is no such action: "+name))
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.getServer(w, r)
	if !ok {
		return
	}
	// Nova's check_instance_state: the vm_state first, then the task.
	okState := contains(rule.from, s.Status) && (name != "reboot" || s.Status == "ACTIVE" || !strings.Contains(string(arg), `"SOFT"`))
	if !okState || s.Task != "" {
		attr, state := "vm_state", vmStates[s.Status]
		if okState {
			attr, state = "task_state", s.Task
		}
		writeJSON(w, http.StatusConflict, fault("conflictingRequest", 409,
			fmt.Sprintf("Cannot '%s' instance %s while it is in %s %s", rule.verb, s.ID, attr, state)))
		return
	}
	c.startAction(w, r, s, name, rule, arg)
}

func (c *Cloud) startAction(w http.ResponseWriter, r *http.Request, s *server, name string, rule actionRule, arg json.RawMessage) {
	prior := s.Status
	t := &transition{at: c.now().Add(c.actionTime), status: rule.to}
	if rule.to == "" {
		t.status = prior
	}
	switch name {
	case "os-getConsoleOutput":
		writeJSON(w, http.StatusOK, map[string]any{"output": consoleTail(s.Console, arg)})
		return
	case "reboot":
		s.Status = "REBOOT"
		if strings.Contains(string(arg), `"HARD"`) {
			s.Status = "HARD_REBOOT"
		}
	case "resize":
		if !c.prepareResize(w, s, arg, t) {
			return
		}
	case "confirmResize":
		s.Status, s.oldFlavor = "ACTIVE", ""
		if s.wasStopped {
			s.Status = "SHUTOFF"
		}
		writeJSON(w, http.StatusNoContent, nil)
		return
	case "revertResize":
		t.status = "ACTIVE"
		if s.wasStopped {
			t.status = "SHUTOFF"
		}
		t.apply = func(s *server) { s.FlavorID, s.oldFlavor = s.oldFlavor, "" }
	case "rebuild":
		var a struct {
			ImageRef string `json:"imageRef"`
		}
		_ = json.Unmarshal(arg, &a)
		img := c.image(a.ImageRef)
		if img == nil {
			writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, "Can not find requested image"))
			return
		}
		s.ImageID = img.ID
		if prior == "ERROR" {
			t.status = "ACTIVE"
		}
	}
	if rule.via != "" {
		s.Status = rule.via
	}
	s.Task, s.Updated, s.next = rule.task, c.now(), t
	if name == "rebuild" {
		writeJSON(w, http.StatusAccepted, map[string]any{"server": c.serverJSON(s, microversion(r))})
		return
	}
	writeJSON(w, http.StatusAccepted, nil)
}

// consoleTail is the console's last length lines, or all of it.
func consoleTail(console string, arg json.RawMessage) string {
	var a struct {
		Length int `json:"length"`
	}
	_ = json.Unmarshal(arg, &a)
	if lines := strings.SplitAfter(console, "\n"); a.Length > 0 && len(lines) > a.Length {
		return strings.Join(lines[len(lines)-a.Length:], "")
	}
	return console
}

// prepareResize checks the new flavor as Nova does (it must exist and
// differ) and has t switch the flavor when the resize lands in
// VERIFY_RESIZE, keeping the old one for a revert.
func (c *Cloud) prepareResize(w http.ResponseWriter, s *server, arg json.RawMessage, t *transition) bool {
	var a struct {
		FlavorRef string `json:"flavorRef"`
	}
	_ = json.Unmarshal(arg, &a)
	f := c.flavor(a.FlavorRef)
	switch f.ID {
	case "":
		writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, fmt.Sprintf("Flavor %s could not be found.", a.FlavorRef)))
		return false
	case s.FlavorID:
		writeJSON(w, http.StatusBadRequest, fault("badRequest", 400, "When resizing, instances must change flavor!"))
		return false
	}
	s.wasStopped = s.Status == "SHUTOFF"
	t.apply = func(s *server) { s.oldFlavor, s.FlavorID = s.FlavorID, f.ID }
	return true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
