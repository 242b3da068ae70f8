// Package hosts is the provider of machines you already have: a static
// list of SSH hosts, this one included. It lists them, says whether each
// answers on its SSH port, and refuses every lifecycle verb, since
// meshflow did not make these machines and must not start, stop or
// destroy them.
package hosts

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// Config is a hosts connection.
type Config struct {
	Connection string
	Hosts      []model.SSHHost
	// DialTimeout bounds the check that a host's SSH port answers; 3 s if
	// zero.
	DialTimeout time.Duration
}

// Provider lists the hosts of one connection.
type Provider struct {
	cfg Config
}

var _ cloud.Provider = (*Provider)(nil)

// New returns the provider of cfg's hosts.
func New(cfg Config) *Provider {
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 3 * time.Second
	}
	return &Provider{cfg: cfg}
}

func (p *Provider) Kind() model.CloudKind { return model.CloudHosts }

// Identity says how many of the hosts answer on their SSH port; it fails
// when the list is empty or none answers.
func (p *Provider) Identity(ctx context.Context) (string, error) {
	if len(p.cfg.Hosts) == 0 {
		return "", p.fail("test", "", model.ErrInvalid, "the connection lists no hosts: add one with its address, port and user")
	}
	vms, err := p.List(ctx)
	if err != nil {
		return "", err
	}
	up := 0
	for _, vm := range vms {
		if vm.State == model.VMRunning {
			up++
		}
	}
	if up == 0 {
		return "", p.fail("test", "", model.ErrUnavailable, fmt.Sprintf("none of the %d hosts answers on its SSH port: %s", len(vms), vms[0].CloudState))
	}
	return fmt.Sprintf("%d of %d hosts answer on their SSH port", up, len(vms)), nil
}

// List returns every host, checking all of them at once.
func (p *Provider) List(ctx context.Context) ([]model.VM, error) {
	out := make([]model.VM, len(p.cfg.Hosts))
	var wg sync.WaitGroup
	for i, h := range p.cfg.Hosts {
		wg.Go(func() { out[i] = p.describe(ctx, h) })
	}
	wg.Wait()
	return out, ctx.Err()
}

// Get returns the host with id (its address:port).
func (p *Provider) Get(ctx context.Context, id string) (model.VM, error) {
	for _, h := range p.cfg.Hosts {
		if hostID(h) == id {
			return p.describe(ctx, h), nil
		}
	}
	return model.VM{}, p.fail("get "+id, "", model.ErrNotFound, "no host "+id+" in this connection")
}

func (p *Provider) Create(_ context.Context, spec cloud.CreateSpec) (model.VM, error) {
	return model.VM{}, p.unsupported("create " + spec.Name)
}

func (p *Provider) Start(_ context.Context, id string) error { return p.unsupported("start " + id) }

func (p *Provider) Stop(_ context.Context, id string) error { return p.unsupported("stop " + id) }

func (p *Provider) Destroy(_ context.Context, id string) error { return p.unsupported("destroy " + id) }

func (p *Provider) unsupported(op string) error {
	return p.fail(op, "", cloud.ErrNotSupported, "hosts are machines you already have: meshflow lists them and runs commands on them, but does not create, start, stop or destroy them")
}

func (p *Provider) fail(op, code string, kind error, msg string) error {
	return &cloud.Error{Kind: model.CloudHosts, Connection: p.cfg.Connection, Op: op, Code: code, Message: msg, Is: kind}
}

// describe makes a VM of a host, running if its SSH port answers.
func (p *Provider) describe(ctx context.Context, h model.SSHHost) model.VM {
	vm := model.VM{
		Connection: p.cfg.Connection, ID: hostID(h), Name: h.Name,
		State: model.VMRunning, CloudState: "reachable",
		Details: map[string]string{"address": h.Address, "port": strconv.Itoa(port(h)), "user": h.User},
	}
	if vm.Name == "" {
		vm.Name = h.Address
	}
	if ip, err := netip.ParseAddr(h.Address); err == nil {
		if ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
			vm.PrivateIPs = []string{ip.String()}
		} else {
			vm.PublicIPs = []string{ip.String()}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.DialTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", vm.ID)
	if err != nil {
		vm.State, vm.CloudState = model.VMUnknown, "unreachable: "+err.Error()
		return vm
	}
	_ = conn.Close()
	return vm
}

// hostID is a host's id: its address and SSH port, which no two hosts of
// a connection share.
func hostID(h model.SSHHost) string { return net.JoinHostPort(h.Address, strconv.Itoa(port(h))) }

func port(h model.SSHHost) int {
	if h.Port == 0 {
		return 22
	}
	return h.Port
}
