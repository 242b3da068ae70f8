package model

import "time"

// Connection is a named set of credentials and settings for one cloud, or
// a list of SSH hosts. Its Secrets are sealed at rest and never leave the
// backend: pages, API answers, logs and errors show that a secret is set,
// never what it is.
type Connection struct {
	ID       int64
	Name     string // unique; what VMs, ops and commands name it by
	Kind     CloudKind
	Settings map[string]string // not secret; keys below, by kind
	Secrets  map[string]string // sealed; keys below, by kind
	// Defaults are what a VM is created with when the create does not
	// say: image, flavor, username, key_name, security_group, network.
	Defaults map[string]string
	Hosts    []SSHHost // CloudHosts only
	Active   bool      // listed and refreshed; an inactive one is kept but left alone
	// Source says where it came from, for people: "added by hand",
	// "~/.aws/credentials [lab]", "~/.cloudmesh/cloudmesh.yaml cloud chameleon".
	Source    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SSHHost is one machine of a hosts connection.
type SSHHost struct {
	Name    string
	Address string // host name or IP
	Port    int    // 22 if zero
	User    string
	KeyFile string // a private key file on this machine; empty: the connection's private_key secret, or the agent
}

// The keys of Connection.Settings and Connection.Secrets, by kind. One
// list, so the importers, the forms and the adapters agree.
const (
	// AWS. Either a static key (access_key_id + the secret_access_key
	// secret, and session_token for temporary credentials) or a named
	// profile of ~/.aws/config.
	SettingRegion      = "region"
	SettingAccessKeyID = "access_key_id"
	SettingProfile     = "profile"
	SettingEndpoint    = "endpoint" // an EC2-compatible cloud's endpoint URL
	SecretAccessKey    = "secret_access_key"
	SecretSessionToken = "session_token"

	// Azure. A service principal (tenant_id, client_id and the
	// client_secret secret), or, with no client_id, the SDK's default
	// credential chain (environment, managed identity, az login).
	SettingTenantID       = "tenant_id"
	SettingSubscriptionID = "subscription_id"
	SettingClientID       = "client_id"
	SettingLocation       = "location"
	SettingResourceGroup  = "resource_group"
	SecretClientSecret    = "client_secret"

	// OpenStack (Keystone v3). A password (username + the password
	// secret) or an application credential (application_credential_id
	// + its secret); project by name or id; domains by name or id.
	SettingAuthURL                 = "auth_url"
	SettingUsername                = "username"
	SettingUserDomainName          = "user_domain_name"
	SettingUserDomainID            = "user_domain_id"
	SettingProjectName             = "project_name"
	SettingProjectID               = "project_id"
	SettingProjectDomainName       = "project_domain_name"
	SettingProjectDomainID         = "project_domain_id"
	SettingInterface               = "interface" // public, internal or admin endpoints
	SettingApplicationCredentialID = "application_credential_id"
	SecretPassword                 = "password"
	SecretApplicationCredential    = "application_credential_secret"
	// (OpenStack's region is SettingRegion.)

	// Hosts: a private key for every host without a KeyFile.
	SecretPrivateKey = "private_key"
)

// The keys of Connection.Defaults.
const (
	DefaultImage         = "image"
	DefaultFlavor        = "flavor"
	DefaultUsername      = "username"
	DefaultKeyName       = "key_name"
	DefaultSecurityGroup = "security_group"
	DefaultNetwork       = "network"
	// DefaultNamePattern names the connection's VMs, over the settings'
	// pattern: {prefix}-{counter} on a cloud shared with no one.
	DefaultNamePattern = "name_pattern"
)
