package importers

import (
	"fmt"
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
		Active: activeFlag(e.obj("cm")),
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
