package importers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// azureAuth is an Azure service principal as every source spells it.
type azureAuth struct {
	tenant, subscription, clientID, secret, location string
}

// azureFromVars reads the AZURE_* names of the Azure SDKs and Cloudmesh's
// own (AZURE_APPLICATION_ID, AZURE_SECRET_KEY, AZURE_REGION).
func azureFromVars(get func(string) string) azureAuth {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := strings.TrimSpace(get(k)); v != "" {
				return v
			}
		}
		return ""
	}
	return azureAuth{
		tenant:       first("AZURE_TENANT_ID"),
		subscription: first("AZURE_SUBSCRIPTION_ID"),
		clientID:     first("AZURE_CLIENT_ID", "AZURE_APPLICATION_ID"),
		secret:       first("AZURE_CLIENT_SECRET", "AZURE_SECRET_KEY"),
		location:     first("AZURE_REGION", "AZURE_LOCATION"),
	}
}

// build makes the connection, or records why not. With no client id it is
// a connection through the SDK's default credential chain (az login,
// managed identity), which needs only the subscription.
func (a azureAuth) build(r *Result, name, src string) (model.Connection, bool) {
	c := newConn(model.CloudAzure, name, src)
	switch {
	case a.subscription != "" && placeholder(a.subscription):
		r.skip(src, name, "subscription id is a placeholder")
		return c, false
	case a.clientID == "" && a.secret != "":
		r.skip(src, name, "a client secret without a client (application) id")
		return c, false
	case a.clientID == "" && a.subscription == "":
		r.skip(src, name, "neither a service principal nor a subscription id")
		return c, false
	case a.clientID != "" && placeholder(a.clientID):
		r.skip(src, name, "client (application) id is a placeholder")
		return c, false
	case a.clientID != "" && placeholder(a.tenant):
		r.skip(src, name, "tenant id is missing or a placeholder")
		return c, false
	case a.secret != "" && placeholder(a.secret):
		r.skip(src, name, "client secret is a placeholder")
		return c, false
	}
	setIf(c.Settings, model.SettingSubscriptionID, a.subscription)
	setIf(c.Settings, model.SettingLocation, a.location)
	if a.subscription == "" {
		r.note(src, name, "no subscription id: set it on the connection before use")
	}
	if a.clientID == "" {
		r.note(src, name, "no service principal: signs in with the Azure SDK's default credentials (environment, managed identity, az login)")
		return c, true
	}
	c.Settings[model.SettingTenantID] = a.tenant
	c.Settings[model.SettingClientID] = a.clientID
	if a.secret == "" {
		r.note(src, name, "no client secret given: set it on the connection before use")
	} else {
		c.Secrets[model.SecretClientSecret] = a.secret
	}
	return c, true
}

// parseAzureSP reads what `az ad sp create-for-rbac` prints (appId,
// password, tenant, displayName) and its older --sdk-auth form (clientId,
// clientSecret, subscriptionId, tenantId).
func parseAzureSP(r *Result, f *File) error {
	var m map[string]any
	if err := json.Unmarshal(f.Data, &m); err != nil {
		// json's message quotes the offending character, which may be
		// part of a secret: say only where.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(f.Data[:se.Offset], []byte("\n"))
			return fmt.Errorf("%s:%d: %w: invalid JSON", f.Path, line, ErrSyntax)
		}
		return fmt.Errorf("%s: %w: a JSON object of strings expected", f.Path, ErrSyntax)
	}
	str := func(k string) string { s, _ := m[k].(string); return strings.TrimSpace(s) }
	or := func(x, y string) string {
		if x != "" {
			return x
		}
		return y
	}
	a := azureAuth{
		tenant:       or(str("tenant"), str("tenantId")),
		subscription: str("subscriptionId"),
		clientID:     or(str("appId"), str("clientId")),
		secret:       or(str("password"), str("clientSecret")),
	}
	name := str("displayName")
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(f.Path), filepath.Ext(f.Path))
	}
	if c, ok := a.build(r, name, shortPath(f.Path)); ok {
		r.Connections = append(r.Connections, c)
	}
	return nil
}
