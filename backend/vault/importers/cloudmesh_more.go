package importers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// storageKinds are the Cloudmesh storage kinds the files feature can use.
var storageKinds = map[string]bool{"aws-s3": true, "awss3": true, "awsboto": true, "awslibcloud": true, "azureblob": true}

// storageKeys renames Cloudmesh storage keys to the connection keys; the
// secret ones go to Secrets. Keys not listed are kept lower-cased.
var storageKeys = map[string]struct {
	key    string
	secret bool
}{
	"AZURE_TENANT_ID":       {model.SettingTenantID, false},
	"AZURE_SUBSCRIPTION_ID": {model.SettingSubscriptionID, false},
	"AZURE_APPLICATION_ID":  {model.SettingClientID, false},
	"AZURE_REGION":          {model.SettingLocation, false},
	"AZURE_SECRET_KEY":      {model.SecretClientSecret, true},
	"EC2_ACCESS_ID":         {model.SettingAccessKeyID, false},
	"EC2_SECRET_KEY":        {model.SecretAccessKey, true},
	"secret_access_key":     {model.SecretAccessKey, true},
	"account_key":           {"account_key", true},
	"group":                 {model.SettingResourceGroup, false},
}

// cmStorage keeps an S3 or Azure Blob entry for the files feature, with
// its placeholders dropped and its secrets apart.
func cmStorage(r *Result, src, name string, e *obj) {
	kind := e.obj("cm").str("kind")
	if !storageKinds[kind] {
		r.skip(src, name, fmt.Sprintf("storage kind %q: meshflow keeps S3 (aws-s3, awss3, awsboto, awslibcloud) and Azure Blob (azureblob) storage", kind))
		return
	}
	s := StorageEntry{
		Name: safeName(name), Kind: kind, Source: src,
		Settings: map[string]string{}, Secrets: map[string]string{},
		Active: truthy(e.obj("cm").str("active")),
	}
	for _, part := range []*obj{e.obj("default"), e.obj("credentials")} {
		for k, v := range part.strings() {
			m, to := s.Settings, strings.ToLower(k)
			if known, ok := storageKeys[k]; ok {
				to = known.key
				if known.secret {
					m = s.Secrets
				}
			}
			setIf(m, to, v)
		}
	}
	r.Storage = append(r.Storage, s)
}

// cmCluster makes one hosts connection of a cluster entry: either a single
// machine (address at the top) or a group whose sub-entries have addresses.
// Cloudmesh records the public key (credentials.pulickey, sic); the key to
// sign in with is the private key beside it.
func cmCluster(r *Result, src, name string, e *obj) {
	c := newConn(model.CloudHosts, name, src)
	c.Active = truthy(e.str("active"))
	if e.str("address") != "" {
		c.Hosts = append(c.Hosts, cmHost(firstSet(e.str("name"), name), e))
	}
	e.each(func(key string, h *obj) {
		if h.str("address") != "" {
			c.Hosts = append(c.Hosts, cmHost(firstSet(h.str("name"), key), h))
		}
	})
	if len(c.Hosts) == 0 {
		r.skip(src, name, "no host with an address (an ssh config alias alone is not imported: add the host by hand)")
		return
	}
	r.Connections = append(r.Connections, c)
}

func cmHost(name string, h *obj) model.SSHHost {
	creds := h.obj("credentials")
	host := model.SSHHost{Name: name, Address: h.str("address")}
	if addr, port, ok := strings.Cut(host.Address, ":"); ok {
		if p, err := strconv.Atoi(port); err == nil {
			host.Address, host.Port = addr, p
		}
	}
	host.User = firstSet(creds.str("username"))
	if pub := firstSet(creds.str("pulickey"), creds.str("publickey")); pub != "" {
		host.KeyFile = strings.TrimSuffix(pub, ".pub")
	}
	return host
}
