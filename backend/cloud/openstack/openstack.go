// Package openstack is the cloud.Provider for OpenStack clouds (Chameleon,
// Jetstream2, any Keystone v3 cloud): Keystone for the token and the
// catalog, Nova for servers, Neutron for security groups and floating IPs,
// Glance for images, all through gophercloud.
package openstack

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gophercloud/gophercloud/v2"
	"github.com/gophercloud/gophercloud/v2/openstack"
	"github.com/gophercloud/gophercloud/v2/openstack/identity/v3/tokens"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// computeMicroversion is the Nova API version the adapter speaks: 2.47
// (Pike, 2017) embeds the flavor's name in every server, so a list needs
// no flavor lookups, and from 2.37 a create must name its network, which
// the adapter always does.
const computeMicroversion = "2.47"

// Config is one OpenStack connection: where Keystone is, who to
// authenticate as, and which region's endpoints to use.
type Config struct {
	Connection string // the connection's name, for errors
	// AuthURL is Keystone's URL. A v2.0 URL (old Cloudmesh and openrc
	// files hold them) is rewritten to v3: see v3AuthURL.
	AuthURL string
	// A password …
	Username, Password           string
	UserDomainName, UserDomainID string
	// … scoped to a project by id, or by name in its domain (the user's
	// domain when none is given) …
	ProjectName, ProjectID             string
	ProjectDomainName, ProjectDomainID string
	// … or an application credential, which is bound to its project.
	ApplicationCredentialID, ApplicationCredentialSecret string
	Region                                               string
	Interface                                            string // public (the default), internal or admin
	HTTPClient                                           *http.Client
}

// Provider is an authenticated OpenStack connection.
type Provider struct {
	conn    string
	region  string
	project string // the token's project id: groups are looked up in it
	pc      *gophercloud.ProviderClient
	compute *gophercloud.ServiceClient
	network *gophercloud.ServiceClient
	image   *gophercloud.ServiceClient
	secrets []string // hidden in every error, should the cloud quote them
}

var (
	_ cloud.Provider        = (*Provider)(nil)
	_ cloud.Suspender       = (*Provider)(nil)
	_ cloud.Rebooter        = (*Provider)(nil)
	_ cloud.Resizer         = (*Provider)(nil)
	_ cloud.ResizeConfirmer = (*Provider)(nil)
	_ cloud.Rebuilder       = (*Provider)(nil)
	_ cloud.Renamer         = (*Provider)(nil)
	_ cloud.PublicAddresser = (*Provider)(nil)
	_ cloud.Catalog         = (*Provider)(nil)
	_ cloud.KeyImporter     = (*Provider)(nil)
	_ cloud.Consoler        = (*Provider)(nil)
)

// New authenticates and finds the compute, network and image endpoints of
// cfg.Region in the token's catalog. The token is renewed with the same
// credentials whenever the cloud says it has expired.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	p := &Provider{conn: cfg.Connection, region: cfg.Region, secrets: []string{cfg.Password, cfg.ApplicationCredentialSecret}}
	authURL, fromV2, err := v3AuthURL(cfg.AuthURL)
	if err != nil {
		return nil, p.invalid("authenticate", err.Error())
	}
	ao := authOptions(cfg, authURL, fromV2)
	pc, err := openstack.NewClient(authURL)
	if err != nil {
		return nil, p.invalid("authenticate", err.Error())
	}
	if cfg.HTTPClient != nil {
		pc.HTTPClient = *cfg.HTTPClient
	}
	pc.RetryBackoffFunc = backoff
	pc.MaxBackoffRetries = maxRetries
	pc.RetryFunc = retry
	if err := openstack.Authenticate(ctx, pc, ao); err != nil {
		return nil, p.fail("authenticate", err)
	}
	p.pc = pc
	if res, ok := pc.GetAuthResult().(tokens.CreateResult); ok {
		if proj, err := res.ExtractProject(); err == nil && proj != nil {
			p.project = proj.ID
		}
	}

	eo := gophercloud.EndpointOpts{Region: cfg.Region, Availability: availability(cfg.Interface)}
	if p.compute, err = openstack.NewComputeV2(pc, eo); err != nil {
		return nil, p.endpointError("compute", eo, err)
	}
	p.compute.Microversion = computeMicroversion
	if p.network, err = openstack.NewNetworkV2(pc, eo); err != nil {
		return nil, p.endpointError("network", eo, err)
	}
	if p.image, err = openstack.NewImageV2(pc, eo); err != nil {
		return nil, p.endpointError("image", eo, err)
	}
	return p, nil
}

// endpointError explains a service missing from the catalog; finding one
// can also fail on the wire (gophercloud asks an unversioned endpoint
// which versions it serves).
func (p *Provider) endpointError(service string, eo gophercloud.EndpointOpts, err error) error {
	op := "find the " + service + " endpoint"
	var missing *gophercloud.ErrEndpointNotFound
	if !errors.As(err, &missing) {
		return p.fail(op, err)
	}
	region := eo.Region
	if region == "" {
		region = "(any)"
	}
	return p.invalid(op, fmt.Sprintf("the token's catalog has no %s endpoint for region %s and interface %s; check the connection's region and interface",
		service, region, eo.Availability))
}

// v3AuthURL returns Keystone's v3 URL for u, and whether u was a v2.0 URL.
// Keystone's v2.0 API was removed in Queens (2018) and Keystone serves v3
// at the same host and port, so the v2.0 URLs old Cloudmesh files hold
// for Chameleon and Jetstream are stale rather than wrong: rewriting them
// keeps those connections working, where refusing would send every user
// to edit a file. A URL with no version is left to gophercloud's version
// discovery.
func v3AuthURL(u string) (string, bool, error) {
	u = strings.TrimSpace(u)
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return "", false, fmt.Errorf("auth URL %q is not an http(s) URL", u)
	}
	trimmed := strings.TrimSuffix(strings.TrimSuffix(u, "/"), "/tokens")
	if base, ok := strings.CutSuffix(trimmed, "/v2.0"); ok {
		return base + "/v3/", true, nil
	}
	return strings.TrimSuffix(trimmed, "/") + "/", false, nil
}

// authOptions builds gophercloud's options from cfg. v2.0 had no domains:
// its users and projects live in Keystone's "default" domain, which a
// rewritten v2.0 connection therefore gets when it names none.
func authOptions(cfg Config, authURL string, fromV2 bool) gophercloud.AuthOptions {
	ao := gophercloud.AuthOptions{IdentityEndpoint: authURL, AllowReauth: true}
	if cfg.ApplicationCredentialID != "" {
		ao.ApplicationCredentialID = cfg.ApplicationCredentialID
		ao.ApplicationCredentialSecret = cfg.ApplicationCredentialSecret
		return ao
	}
	ao.Username, ao.Password = cfg.Username, cfg.Password
	ao.DomainName, ao.DomainID = cfg.UserDomainName, cfg.UserDomainID
	if fromV2 && ao.DomainName == "" && ao.DomainID == "" {
		ao.DomainID = "default"
	}
	switch {
	case cfg.ProjectID != "":
		ao.Scope = &gophercloud.AuthScope{ProjectID: cfg.ProjectID}
	case cfg.ProjectName != "":
		s := &gophercloud.AuthScope{ProjectName: cfg.ProjectName, DomainName: cfg.ProjectDomainName, DomainID: cfg.ProjectDomainID}
		if s.DomainName == "" && s.DomainID == "" {
			s.DomainName, s.DomainID = ao.DomainName, ao.DomainID
		}
		ao.Scope = s
	}
	return ao
}

func availability(iface string) gophercloud.Availability {
	switch strings.TrimSuffix(strings.ToLower(iface), "url") {
	case "internal":
		return gophercloud.AvailabilityInternal
	case "admin":
		return gophercloud.AvailabilityAdmin
	}
	return gophercloud.AvailabilityPublic
}

// Kind is OpenStack.
func (p *Provider) Kind() model.CloudKind { return model.CloudOpenStack }

// Identity says which user and project the connection's token is for,
// from the token Keystone issued (renewed if it has expired).
func (p *Provider) Identity(context.Context) (string, error) {
	res, ok := p.pc.GetAuthResult().(tokens.CreateResult)
	if !ok {
		return "", p.invalid("identity", "the cloud issued no v3 token")
	}
	user, err := res.ExtractUser()
	if err != nil {
		return "", p.fail("identity", err)
	}
	who := fmt.Sprintf("user %s (%s)", user.Name, user.ID)
	if user.Domain.Name != "" {
		who += " in domain " + user.Domain.Name
	}
	if proj, err := res.ExtractProject(); err == nil && proj != nil && proj.ID != "" {
		who += fmt.Sprintf(", project %s (%s)", proj.Name, proj.ID)
	}
	return who, nil
}
