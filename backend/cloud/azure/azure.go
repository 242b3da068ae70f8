// Package azure is the cloud.Provider for Azure Resource Manager: VMs
// through armcompute, their NICs, public IPs and NSGs through armnetwork,
// in one subscription and (usually) one resource group.
package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// Config is one Azure connection.
type Config struct {
	Connection     string // the connection's name, for errors
	TenantID       string
	SubscriptionID string
	ClientID       string // with ClientSecret, a service principal; empty: the SDK's default credential chain
	ClientSecret   string
	Location       string // where Create puts VMs
	ResourceGroup  string // where Create puts VMs, and what List lists; empty: the whole subscription
	// Credential overrides the credential built from the fields above
	// (tests pass the SDK's fake one).
	Credential azcore.TokenCredential
	// ClientOptions are the ARM clients' options; tests set Transport to
	// a fake server. Retry settings left zero get this package's.
	ClientOptions *arm.ClientOptions
	// PollFrequency is how often Create and Destroy poll Azure's
	// long-running operations; 0 means every 5 s.
	PollFrequency time.Duration
}

// Provider is an Azure connection's cloud.
type Provider struct {
	cfg     Config
	vms     *armcompute.VirtualMachinesClient
	sizes   *armcompute.VirtualMachineSizesClient
	nics    *armnetwork.InterfacesClient
	pips    *armnetwork.PublicIPAddressesClient
	nsgs    *armnetwork.SecurityGroupsClient
	vnets   *armnetwork.VirtualNetworksClient
	subnets *armnetwork.SubnetsClient
	disks   *armcompute.DisksClient
}

var (
	_ cloud.Provider        = (*Provider)(nil)
	_ cloud.Suspender       = (*Provider)(nil)
	_ cloud.Rebooter        = (*Provider)(nil)
	_ cloud.Resizer         = (*Provider)(nil)
	_ cloud.PublicAddresser = (*Provider)(nil)
	_ cloud.Catalog         = (*Provider)(nil)
)

// New builds the ARM clients. It makes no call: Identity is the check
// that the credentials work.
func New(cfg Config) (*Provider, error) {
	if cfg.SubscriptionID == "" {
		return nil, model.Errorf(model.ErrInvalid, "azure connection %q: no subscription id", cfg.Connection)
	}
	opts := clientOptions(cfg.ClientOptions)
	cred, err := credential(cfg, opts)
	if err != nil {
		return nil, err
	}
	compute, err := armcompute.NewClientFactory(cfg.SubscriptionID, cred, opts)
	if err != nil {
		return nil, fmt.Errorf("azure connection %q: %w", cfg.Connection, err)
	}
	network, err := armnetwork.NewClientFactory(cfg.SubscriptionID, cred, opts)
	if err != nil {
		return nil, fmt.Errorf("azure connection %q: %w", cfg.Connection, err)
	}
	if cfg.PollFrequency == 0 {
		cfg.PollFrequency = 5 * time.Second
	}
	return &Provider{
		cfg:     cfg,
		vms:     compute.NewVirtualMachinesClient(),
		sizes:   compute.NewVirtualMachineSizesClient(),
		disks:   compute.NewDisksClient(),
		nics:    network.NewInterfacesClient(),
		pips:    network.NewPublicIPAddressesClient(),
		nsgs:    network.NewSecurityGroupsClient(),
		vnets:   network.NewVirtualNetworksClient(),
		subnets: network.NewSubnetsClient(),
	}, nil
}

// clientOptions fills in retry settings for ARM's throttling: ARM answers
// 429 with a Retry-After, which the SDK's retry policy honours; five tries
// ride out a throttled minute without hanging a refresh for long.
func clientOptions(in *arm.ClientOptions) *arm.ClientOptions {
	var opts arm.ClientOptions
	if in != nil {
		opts = *in
	}
	r := &opts.Retry
	if r.MaxRetries == 0 {
		r.MaxRetries = 5
	}
	if r.RetryDelay == 0 {
		r.RetryDelay = time.Second
	}
	if r.MaxRetryDelay == 0 {
		r.MaxRetryDelay = time.Minute
	}
	return &opts
}

func credential(cfg Config, opts *arm.ClientOptions) (azcore.TokenCredential, error) {
	switch {
	case cfg.Credential != nil:
		return cfg.Credential, nil
	case cfg.ClientID != "":
		cred, err := azidentity.NewClientSecretCredential(cfg.TenantID, cfg.ClientID, cfg.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: opts.ClientOptions})
		if err != nil {
			return nil, model.Errorf(model.ErrInvalid, "azure connection %q: service principal %s: %v", cfg.Connection, cfg.ClientID, err)
		}
		return cred, nil
	}
	cred, err := azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{ClientOptions: opts.ClientOptions, TenantID: cfg.TenantID})
	if err != nil {
		return nil, model.Errorf(model.ErrInvalid, "azure connection %q: default credential: %v", cfg.Connection, err)
	}
	return cred, nil
}

// Kind is azure.
func (p *Provider) Kind() model.CloudKind { return model.CloudAzure }

// Identity lists one page of the VMs the connection manages. That proves
// more than getting a token: the principal is authorised for the very
// resource group (or subscription) meshflow will list, and it needs no
// extra permission or SDK module (the subscriptions API would).
func (p *Provider) Identity(ctx context.Context) (string, error) {
	var err error
	if p.cfg.ResourceGroup != "" {
		_, err = p.vms.NewListPager(p.cfg.ResourceGroup, nil).NextPage(ctx)
	} else {
		_, err = p.vms.NewListAllPager(nil).NextPage(ctx)
	}
	if err != nil {
		return "", p.fail("identity", err)
	}
	who := "the default Azure credential"
	if p.cfg.ClientID != "" {
		who = "service principal " + p.cfg.ClientID
	}
	if p.cfg.TenantID != "" {
		who += " in tenant " + p.cfg.TenantID
	}
	return who + ", subscription " + p.cfg.SubscriptionID, nil
}

// errorKinds maps ARM error codes to the model's kinds.
var errorKinds = map[string]error{
	"ResourceNotFound":               model.ErrNotFound,
	"NotFound":                       model.ErrNotFound,
	"ResourceGroupNotFound":          model.ErrNotFound,
	"Conflict":                       model.ErrConflict,
	"OperationNotAllowed":            model.ErrConflict,
	"NicInUse":                       model.ErrConflict,
	"PublicIPAddressCannotBeDeleted": model.ErrConflict,
	"InUseNetworkSecurityGroupCannotBeDeleted": model.ErrConflict,
	"AuthorizationFailed":                      model.ErrInvalid,
	"InvalidAuthenticationToken":               model.ErrInvalid,
	"InvalidParameter":                         model.ErrInvalid,
	"SkuNotAvailable":                          model.ErrInvalid,
	"TooManyRequests":                          model.ErrUnavailable,
}

// fail turns an SDK error into a cloud.Error that names the connection,
// the operation and ARM's own code and message. It runs after the SDK's
// retry policy has given up, so a 429 or 5xx here is an outage.
func (p *Provider) fail(op string, err error) error {
	e := &cloud.Error{Kind: model.CloudAzure, Connection: p.cfg.Connection, Op: op, Err: err}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		if errors.Is(err, context.DeadlineExceeded) {
			e.Is = model.ErrUnavailable
		}
		// The sign-in's refusal may quote the request back.
		return e.Hide(p.cfg.ClientSecret)
	}
	e.Code, e.Message = re.ErrorCode, armMessage(re)
	e.Is = errorKinds[re.ErrorCode]
	switch {
	case e.Is != nil:
	case re.StatusCode == http.StatusNotFound:
		e.Is = model.ErrNotFound
	case re.StatusCode == http.StatusConflict:
		e.Is = model.ErrConflict
	case re.StatusCode == http.StatusTooManyRequests || re.StatusCode >= http.StatusInternalServerError:
		e.Is = model.ErrUnavailable
	case re.StatusCode == http.StatusUnauthorized || re.StatusCode == http.StatusForbidden:
		e.Is = model.ErrInvalid
	}
	if e.Code == "" && e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d", re.StatusCode)
	}
	return e.Hide(p.cfg.ClientSecret)
}
