package openstack

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"regexp"
	"strings"

	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/keypairs"
	"github.com/gophercloud/gophercloud/v2/openstack/compute/v2/servers"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/extensions/external"
	"github.com/gophercloud/gophercloud/v2/openstack/networking/v2/networks"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// Create makes one server, or finds the one an earlier call with the same
// token made. Nova has no client token: the token goes into the server's
// metadata, and before creating the adapter lists the servers with the
// name and looks for it there, in code, since Nova can filter on neither
// metadata nor an exact name (its name filter is a regular expression).
//
// spec.PublicIP is left to the caller's AssignPublicIP once the server
// runs: Neutron cannot bind a floating IP before Nova has made the port.
func (p *Provider) Create(ctx context.Context, spec cloud.CreateSpec) (model.VM, error) {
	op := "create " + spec.Name
	if spec.Name == "" || spec.Token == "" {
		return model.VM{}, p.invalid(op, "a server needs a name and an idempotency token")
	}
	if vm, found, err := p.findByToken(ctx, op, spec); err != nil || found {
		return vm, err
	}
	opts, err := p.createOpts(ctx, op, spec)
	if err != nil {
		return model.VM{}, err
	}
	created, err := servers.Create(ctx, p.compute, opts, nil).Extract()
	if err != nil {
		return model.VM{}, p.fail(op, err)
	}
	if vm, err := p.Get(ctx, created.ID); err == nil {
		return vm, nil
	}
	// The server exists; a failed read-back must not make the caller think
	// otherwise. The inventory's next refresh fills in the rest.
	return model.VM{
		Connection: p.conn, ID: created.ID, Name: spec.Name, State: model.VMPending,
		CloudState: "BUILD", Region: p.region, Token: spec.Token,
	}, nil
}

func (p *Provider) findByToken(ctx context.Context, op string, spec cloud.CreateSpec) (model.VM, bool, error) {
	ss, err := p.servers(ctx, servers.ListOpts{Name: "^" + regexp.QuoteMeta(spec.Name) + "$"})
	if err != nil {
		return model.VM{}, false, p.fail(op, err)
	}
	for i := range ss {
		if ss[i].Metadata[tokenKey] == spec.Token {
			return p.toVM(&ss[i]), true, nil
		}
	}
	return model.VM{}, false, nil
}

func (p *Provider) createOpts(ctx context.Context, op string, spec cloud.CreateSpec) (servers.CreateOptsBuilder, error) {
	image, err := p.imageID(ctx, op, spec.Image)
	if err != nil {
		return nil, err
	}
	flavor, err := p.flavorID(ctx, op, spec.Flavor)
	if err != nil {
		return nil, err
	}
	nets, err := p.networkFor(ctx, op, spec.Network)
	if err != nil {
		return nil, err
	}
	group := spec.SecurityGroup
	if group == "" {
		if group, err = p.sshGroup(ctx, op, spec.SSHFrom); err != nil {
			return nil, err
		}
	}
	key := spec.KeyName
	if key == "" && spec.PublicKey != "" {
		key = keyName(spec.PublicKey)
		if err := p.ImportKey(ctx, key, spec.PublicKey); err != nil {
			return nil, err
		}
	}
	md := map[string]string{tokenKey: spec.Token}
	for k, v := range spec.Tags {
		md[k] = v
	}
	opts := servers.CreateOpts{
		Name: spec.Name, ImageRef: image, FlavorRef: flavor, Networks: nets,
		SecurityGroups: []string{group}, AvailabilityZone: spec.Zone, Metadata: md,
	}
	if spec.UserData != "" {
		// Encoded here: gophercloud passes through anything that already
		// decodes as base64, which a short script may.
		opts.UserData = []byte(base64.StdEncoding.EncodeToString([]byte(spec.UserData)))
	}
	return keypairs.CreateOptsExt{CreateOptsBuilder: opts, KeyName: key}, nil
}

// keyName names an imported public key after its fingerprint, so the same
// key is imported once however many servers use it.
func keyName(publicKey string) string {
	f := strings.Fields(publicKey)
	sum := sha256.Sum256([]byte(strings.Join(f[:min(2, len(f))], " ")))
	return "meshflow-" + hex.EncodeToString(sum[:6])
}

// networkFor resolves the network a server goes on. Given a name or id it
// must match exactly one network. Given none, the project's only own
// network is used; with several (Chameleon and Jetstream2 projects often
// have a shared one beside their own) the user must choose, since Nova's
// "auto" would refuse or pick for them.
func (p *Provider) networkFor(ctx context.Context, op, ref string) (any, error) {
	var opts networks.ListOptsBuilder = networks.ListOpts{Name: ref}
	if uuidRE.MatchString(ref) {
		opts = networks.ListOpts{ID: ref}
	}
	if ref == "" {
		internal := false
		opts = external.ListOptsExt{ListOptsBuilder: networks.ListOpts{}, External: &internal}
	}
	pages, err := networks.List(p.network, opts).AllPages(ctx)
	if err != nil {
		return nil, p.fail(op, err)
	}
	nets, err := networks.ExtractNetworks(pages)
	if err != nil {
		return nil, p.fail(op, err)
	}
	switch {
	case len(nets) == 1:
		return []servers.Network{{UUID: nets[0].ID}}, nil
	case len(nets) == 0 && ref == "":
		return "auto", nil // no network yet: Nova's get-me-a-network makes one
	case len(nets) == 0:
		return nil, p.notFound(op, fmt.Sprintf("no network is named or numbered %q", ref))
	}
	names := make([]string, len(nets))
	for i, n := range nets {
		names[i] = fmt.Sprintf("%s (%s)", n.Name, n.ID)
	}
	what := "the project has several networks"
	if ref != "" {
		what = fmt.Sprintf("several networks are named %q", ref)
	}
	return nil, p.invalid(op, what+": "+strings.Join(names, ", ")+"; name one by id in the connection's network default")
}

// sshCIDR normalises the address SSH is opened to: a bare IP becomes its
// /32 (or /128).
func sshCIDR(from string) (netip.Prefix, error) {
	if !strings.Contains(from, "/") {
		a, err := netip.ParseAddr(from)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	pfx, err := netip.ParsePrefix(from)
	return pfx.Masked(), err
}
