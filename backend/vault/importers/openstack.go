package importers

import (
	"fmt"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// osAuth is OpenStack authentication as every source spells it: clouds.yaml,
// an openrc's OS_* variables, and both Cloudmesh styles.
type osAuth struct {
	authURL, identityVersion, authType string
	username, password                 string
	userDomainName, userDomainID       string
	projectName, projectID             string
	projectDomainName, projectDomainID string
	appCredID, appCredSecret           string
	region, iface                      string
}

// osAuthTypes are the auth_type / OS_AUTH_TYPE values of the two logins
// meshflow supports; tokens, OIDC and the rest are skipped.
var osAuthTypes = map[string]bool{
	"password": true, "v3password": true, "v2password": true,
	"v3applicationcredential": true, "applicationcredential": true,
}

// osFromEnv reads OS_* variables as openstackclient does, with the
// Keystone v2 names (OS_TENANT_*) standing in for the project.
func osFromEnv(get func(string) string) osAuth {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := strings.TrimSpace(get(k)); v != "" {
				return v
			}
		}
		return ""
	}
	return osAuth{
		authURL:           first("OS_AUTH_URL"),
		identityVersion:   first("OS_IDENTITY_API_VERSION"),
		authType:          first("OS_AUTH_TYPE"),
		username:          first("OS_USERNAME"),
		password:          first("OS_PASSWORD"),
		userDomainName:    first("OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME"),
		userDomainID:      first("OS_USER_DOMAIN_ID", "OS_DOMAIN_ID"),
		projectName:       first("OS_PROJECT_NAME", "OS_TENANT_NAME"),
		projectID:         first("OS_PROJECT_ID", "OS_TENANT_ID"),
		projectDomainName: first("OS_PROJECT_DOMAIN_NAME"),
		projectDomainID:   first("OS_PROJECT_DOMAIN_ID"),
		appCredID:         first("OS_APPLICATION_CREDENTIAL_ID"),
		appCredSecret:     first("OS_APPLICATION_CREDENTIAL_SECRET"),
		region:            first("OS_REGION_NAME"),
		iface:             first("OS_INTERFACE", "OS_ENDPOINT_TYPE"),
	}
}

// osFromCloud reads one cloud of clouds.yaml (also Cloudmesh's nested
// style), falling back from user and project domains to domain_* as
// gophercloud's clouds.Parse does.
func osFromCloud(c *obj) osAuth {
	a := c.obj("auth")
	or := func(x, y string) string {
		if x != "" {
			return x
		}
		return y
	}
	region := c.str("region_name")
	if regions, ok := c.get("regions").([]any); ok && region == "" && len(regions) > 0 {
		region, _ = regions[0].(string)
	}
	return osAuth{
		authURL:           a.str("auth_url"),
		identityVersion:   c.str("identity_api_version"),
		authType:          c.str("auth_type"),
		username:          a.str("username"),
		password:          a.str("password"),
		userDomainName:    or(a.str("user_domain_name"), a.str("domain_name")),
		userDomainID:      or(a.str("user_domain_id"), a.str("domain_id")),
		projectName:       or(a.str("project_name"), a.str("tenant_name")),
		projectID:         or(a.str("project_id"), a.str("tenant_id")),
		projectDomainName: or(a.str("project_domain_name"), a.str("domain_name")),
		projectDomainID:   or(a.str("project_domain_id"), a.str("domain_id")),
		appCredID:         a.str("application_credential_id"),
		appCredSecret:     a.str("application_credential_secret"),
		region:            region,
		iface:             or(c.str("interface"), c.str("endpoint_type")),
	}
}

// build makes the connection, or records why not. It never puts a value
// into a reason: only the names of the keys at fault.
func (a osAuth) build(r *Result, name, src string) (model.Connection, bool) {
	c := newConn(model.CloudOpenStack, name, src)
	appCred := a.appCredID != "" || strings.HasSuffix(a.authType, "applicationcredential")
	switch {
	case placeholder(a.authURL):
		r.skip(src, name, "no auth URL (auth_url / OS_AUTH_URL) or a placeholder")
		return c, false
	case a.authType != "" && !osAuthTypes[a.authType]:
		r.skip(src, name, fmt.Sprintf("auth type %q: meshflow signs in with a password or an application credential", a.authType))
		return c, false
	case appCred && placeholder(a.appCredID):
		r.skip(src, name, "application credential id is missing or a placeholder")
		return c, false
	case appCred && placeholder(a.appCredSecret) && a.appCredSecret != "":
		r.skip(src, name, "application credential secret is a placeholder")
		return c, false
	case !appCred && placeholder(a.username):
		r.skip(src, name, "username is missing or a placeholder")
		return c, false
	case !appCred && placeholder(a.password) && a.password != "":
		r.skip(src, name, "password is a placeholder")
		return c, false
	}
	url, v2 := normaliseAuthURL(a.authURL, a.identityVersion)
	if url != strings.TrimRight(a.authURL, "/") {
		r.note(src, name, fmt.Sprintf("auth URL %s rewritten to %s (meshflow speaks Keystone v3)", a.authURL, url))
	}
	c.Settings[model.SettingAuthURL] = url
	if appCred {
		c.Settings[model.SettingApplicationCredentialID] = a.appCredID
		a.setSecret(r, c, model.SecretApplicationCredential, a.appCredSecret, "application credential secret")
	} else {
		c.Settings[model.SettingUsername] = a.username
		a.setSecret(r, c, model.SecretPassword, a.password, "password")
		a.setScope(r, c, v2)
	}
	setIf(c.Settings, model.SettingRegion, a.region)
	setIf(c.Settings, model.SettingInterface, strings.TrimSuffix(a.iface, "URL"))
	return c, true
}

func (a osAuth) setSecret(r *Result, c model.Connection, key, v, what string) {
	if v == "" {
		r.note(c.Source, c.Name, "no "+what+" given: set it on the connection before use")
		return
	}
	c.Secrets[key] = v
}

// setScope sets the project and domains of a password login. A Keystone v2
// login had no domains; its users live in the "default" domain of v3.
func (a osAuth) setScope(r *Result, c model.Connection, wasV2 bool) {
	s := c.Settings
	setIf(s, model.SettingUserDomainName, a.userDomainName)
	setIf(s, model.SettingUserDomainID, a.userDomainID)
	setIf(s, model.SettingProjectName, a.projectName)
	setIf(s, model.SettingProjectID, a.projectID)
	setIf(s, model.SettingProjectDomainName, a.projectDomainName)
	setIf(s, model.SettingProjectDomainID, a.projectDomainID)
	if wasV2 && s[model.SettingUserDomainName] == "" && s[model.SettingUserDomainID] == "" {
		s[model.SettingUserDomainID] = "default"
		s[model.SettingProjectDomainID] = "default"
		r.note(c.Source, c.Name, `Keystone v2.0 settings: user and project domain set to "default"`)
	}
	if s[model.SettingProjectName] == "" && s[model.SettingProjectID] == "" {
		r.note(c.Source, c.Name, "no project: set one, or sign-in gets a token with no project")
	}
}

// normaliseAuthURL rewrites Cloudmesh-era Keystone URLs for v3: "/tokens"
// and "/v2.0" suffixes go (Keystone removed v2), and a bare URL with
// identity version 3 gets "/v3". It reports whether the URL was v2.0.
func normaliseAuthURL(u, identityVersion string) (string, bool) {
	u = strings.TrimRight(strings.TrimSpace(u), "/")
	u = strings.TrimSuffix(u, "/tokens")
	if base, ok := strings.CutSuffix(u, "/v2.0"); ok {
		return base + "/v3", true
	}
	last := u[strings.LastIndex(u, "/")+1:]
	if strings.HasPrefix(identityVersion, "3") && !strings.HasPrefix(last, "v") {
		return u + "/v3", false
	}
	return u, false
}

// parseCloudsYAML reads clouds.yaml with secure.yaml merged over it.
func parseCloudsYAML(r *Result, clouds, secure *File) error {
	var all *obj
	var path string
	for _, f := range []*File{clouds, secure} {
		if f == nil {
			continue
		}
		doc, err := parseYAML(f.Path, f.Data)
		if err != nil {
			return err
		}
		if path == "" {
			path = f.Path
		}
		all = all.merge(doc.obj("clouds"))
	}
	all.each(func(name string, cloud *obj) {
		src := fmt.Sprintf("%s cloud %s", shortPath(path), name)
		if p := cloud.str("profile"); p != "" && cloud.obj("auth").str("auth_url") == "" {
			r.skip(src, name, fmt.Sprintf("uses the vendor profile %q: write its auth_url into clouds.yaml to import it", p))
			return
		}
		if c, ok := osFromCloud(cloud).build(r, name, src); ok {
			r.Connections = append(r.Connections, c)
		}
	})
	return nil
}
