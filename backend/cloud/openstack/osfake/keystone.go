package osfake

import (
	"fmt"
	"net/http"
)

// authRequest is the part of POST /v3/auth/tokens the fake reads.
type authRequest struct {
	Auth struct {
		Identity struct {
			Methods  []string `json:"methods"`
			Password struct {
				User struct {
					ID       string `json:"id"`
					Name     string `json:"name"`
					Password string `json:"password"`
					Domain   *struct {
						ID   string `json:"id"`
						Name string `json:"name"`
					} `json:"domain"`
				} `json:"user"`
			} `json:"password"`
			ApplicationCredential struct {
				ID     string `json:"id"`
				Secret string `json:"secret"`
			} `json:"application_credential"`
		} `json:"identity"`
		Scope *struct {
			Project *struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				Domain *struct {
					ID   string `json:"id"`
					Name string `json:"name"`
				} `json:"domain"`
			} `json:"project"`
		} `json:"scope"`
	} `json:"auth"`
}

func (c *Cloud) routeKeystone(mux *http.ServeMux) {
	c.handle(mux, "POST /v3/auth/tokens", false, c.issueToken)
}

// issueToken checks a password or an application credential and answers
// 201 with the token id in X-Subject-Token and the token, its user,
// project and service catalog in the body.
func (c *Cloud) issueToken(w http.ResponseWriter, r *http.Request) {
	var req authRequest
	if err := decode(r, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, keystoneError(400, "Bad Request", "Expecting to find auth in request body."))
		return
	}
	id := req.Auth.Identity
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := false
	method := ""
	if len(id.Methods) == 1 {
		method = id.Methods[0]
	}
	switch method {
	case "password":
		u := id.Password.User
		byName := u.Name == Username && u.Domain != nil && (u.Domain.Name == DomainName || u.Domain.ID == DomainID)
		ok = (u.ID == UserID || byName) && u.Password == c.password
	case "application_credential":
		secret, known := c.appCreds[id.ApplicationCredential.ID]
		ok = known && secret == id.ApplicationCredential.Secret
		if ok && req.Auth.Scope != nil {
			// Keystone refuses to rescope an application credential.
			writeJSON(w, http.StatusUnauthorized, keystoneError(401, "Unauthorized", "Application credentials cannot request a scope."))
			return
		}
	}
	if ok && method == "password" && !c.projectScopeOK(req) {
		ok = false
	}
	if !ok {
		writeJSON(w, http.StatusUnauthorized, keystoneError(401, "Unauthorized", "The request you have made requires authentication."))
		return
	}
	tok := fmt.Sprintf("gAAAAAB-fake-token-%d", c.seq)
	c.seq++
	now := c.now().UTC()
	c.tokens[tok] = now.Add(c.tokenTTL)
	w.Header().Set("X-Subject-Token", tok)
	writeJSON(w, http.StatusCreated, map[string]any{"token": map[string]any{
		"methods":    []string{method},
		"issued_at":  now.Format("2006-01-02T15:04:05.000000Z"),
		"expires_at": now.Add(c.tokenTTL).Format("2006-01-02T15:04:05.000000Z"),
		"audit_ids":  []string{"fake-audit"},
		"is_domain":  false,
		"user": map[string]any{
			"id": UserID, "name": Username,
			"domain":              map[string]any{"id": DomainID, "name": DomainName},
			"password_expires_at": nil,
		},
		"project": map[string]any{
			"id": ProjectID, "name": ProjectName,
			"domain": map[string]any{"id": DomainID, "name": DomainName},
		},
		"roles":   []any{map[string]any{"id": "r-member", "name": "member"}},
		"catalog": c.catalog(),
	}})
}

// projectScopeOK reports whether a password request's scope names the demo
// project. Keystone needs a domain beside a project name.
func (c *Cloud) projectScopeOK(req authRequest) bool {
	s := req.Auth.Scope
	if s == nil || s.Project == nil {
		return true // unscoped: allowed, though the catalog would be empty on a real cloud
	}
	p := s.Project
	if p.ID != "" {
		return p.ID == ProjectID
	}
	return p.Name == ProjectName && p.Domain != nil && (p.Domain.Name == DomainName || p.Domain.ID == DomainID)
}

// catalog lists compute, network and image endpoints for every interface,
// all pointing back at this server.
func (c *Cloud) catalog() []any {
	entry := func(typ, name, path string) map[string]any {
		var eps []any
		for _, iface := range []string{"public", "internal", "admin"} {
			eps = append(eps, map[string]any{
				"id": typ + "-" + iface, "interface": iface,
				"region": Region, "region_id": Region,
				"url": c.srv.URL + path,
			})
		}
		return map[string]any{"id": typ, "type": typ, "name": name, "endpoints": eps}
	}
	return []any{
		entry("identity", "keystone", "/v3"),
		entry("compute", "nova", "/compute/v2.1"),
		entry("network", "neutron", "/network"),
		entry("image", "glance", "/image"),
	}
}
