// Package aws is the cloud.Provider for Amazon EC2 and EC2-compatible
// clouds at a custom endpoint. It speaks EC2 through aws-sdk-go-v2, whose
// retryer handles throttling, and answers the way package cloud asks:
// model.VMs, and cloud.Errors carrying EC2's own codes.
package aws

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// Config is one AWS connection: a static key (AccessKeyID and
// SecretAccessKey, plus SessionToken for temporary credentials), or a
// Profile of the shared config files, or neither for the SDK's default
// chain (environment, instance role).
type Config struct {
	Connection                   string // the connection's name, for errors
	Region                       string
	AccessKeyID, SecretAccessKey string
	SessionToken                 string
	Profile                      string
	Endpoint                     string       // an EC2-compatible endpoint URL; empty: AWS's
	HTTPClient                   *http.Client // tests; nil: the SDK's
	// RetryMaxAttempts bounds the SDK's attempts at one call, throttled
	// and failed ones included (0: 5). RetryMaxBackoff caps the wait
	// between them (0: the SDK's 20 s); tests make it small.
	RetryMaxAttempts int
	RetryMaxBackoff  time.Duration
}

// Provider is one AWS connection's EC2 in one region.
type Provider struct {
	conn, region, endpoint string
	ec2                    *ec2.Client
	sts                    *sts.Client
	secrets                []string // hidden in every error, should EC2 quote them

	// groups remembers the security groups a create resolved, by what
	// the spec asked, so that the VMs of one request after the first
	// skip the two lookups: half the calls of a 20-VM vm.create. The
	// app opens a provider per request, so nothing is kept for long.
	groupsMu sync.Mutex
	groups   map[groupAsk][]string
}

var (
	_ cloud.Provider        = (*Provider)(nil)
	_ cloud.Suspender       = (*Provider)(nil)
	_ cloud.Rebooter        = (*Provider)(nil)
	_ cloud.Resizer         = (*Provider)(nil)
	_ cloud.PublicAddresser = (*Provider)(nil)
	_ cloud.Catalog         = (*Provider)(nil)
	_ cloud.KeyImporter     = (*Provider)(nil)
	_ cloud.Consoler        = (*Provider)(nil)
)

// defaultAttempts is more patient than the SDK's 3: EC2's request limits
// are per account and shared with every other tool the user runs.
const defaultAttempts = 5

// New builds the EC2 and STS clients of a connection. It makes no call:
// Identity checks the credentials.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = defaultAttempts
			if cfg.RetryMaxAttempts > 0 {
				o.MaxAttempts = cfg.RetryMaxAttempts
			}
			if cfg.RetryMaxBackoff > 0 {
				o.MaxBackoff = cfg.RetryMaxBackoff
			}
		})
	}
	var awsCfg aws.Config
	if cfg.AccessKeyID != "" {
		// A sealed key is used exactly as given: no AWS_* variable or
		// shared file may change where it goes or what it signs with.
		if cfg.Region == "" {
			return nil, &cloud.Error{Kind: model.CloudAWS, Connection: cfg.Connection, Op: "connect", Message: "no region: set the connection's region", Is: model.ErrInvalid}
		}
		awsCfg = aws.Config{
			Region:      cfg.Region,
			Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)),
			Retryer:     retryer,
		}
	} else {
		opts := []func(*config.LoadOptions) error{config.WithRetryer(retryer)}
		if cfg.Region != "" {
			opts = append(opts, config.WithRegion(cfg.Region))
		}
		if cfg.Profile != "" {
			opts = append(opts, config.WithSharedConfigProfile(cfg.Profile))
		}
		var err error
		if awsCfg, err = config.LoadDefaultConfig(ctx, opts...); err != nil {
			return nil, &cloud.Error{Kind: model.CloudAWS, Connection: cfg.Connection, Op: "load profile " + cfg.Profile, Err: err, Is: model.ErrInvalid}
		}
		if awsCfg.Region == "" {
			return nil, &cloud.Error{Kind: model.CloudAWS, Connection: cfg.Connection, Op: "connect", Message: "no region: set the connection's region or the profile's", Is: model.ErrInvalid}
		}
	}
	if cfg.HTTPClient != nil {
		awsCfg.HTTPClient = cfg.HTTPClient
	}
	if cfg.Endpoint != "" {
		awsCfg.BaseEndpoint = aws.String(cfg.Endpoint)
	}
	return &Provider{
		conn: cfg.Connection, region: awsCfg.Region, endpoint: cfg.Endpoint,
		ec2: ec2.NewFromConfig(awsCfg), sts: sts.NewFromConfig(awsCfg),
		secrets: []string{cfg.SecretAccessKey, cfg.SessionToken},
	}, nil
}

// Kind is model.CloudAWS.
func (p *Provider) Kind() model.CloudKind { return model.CloudAWS }

// Identity answers the ARN the credentials authenticate as (STS
// GetCallerIdentity). An EC2-compatible cloud seldom has STS: there a
// successful DescribeRegions proves the key, and the key id is the answer.
func (p *Provider) Identity(ctx context.Context) (string, error) {
	out, err := p.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err == nil {
		return aws.ToString(out.Arn), nil
	}
	if p.endpoint == "" || isAuthError(err) {
		return "", p.fail("identity", err)
	}
	if _, err := p.ec2.DescribeRegions(ctx, &ec2.DescribeRegionsInput{}); err != nil {
		return "", p.fail("identity", err)
	}
	creds, err := p.ec2.Options().Credentials.Retrieve(ctx)
	if err != nil {
		return "", p.fail("identity", err)
	}
	return "access key " + creds.AccessKeyID + " at " + p.endpoint, nil
}
