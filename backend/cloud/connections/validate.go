package connections

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// Field is one setting or secret of a kind, for the forms and for
// validation to agree on.
type Field struct {
	Key    string
	Label  string
	Secret bool
	// Multiline is a value of several lines (a private key), which a
	// password input would flatten.
	Multiline bool
	Help      string
}

// Fields lists the settings and secrets of each kind, in form order.
var Fields = map[model.CloudKind][]Field{
	model.CloudAWS: {
		{Key: model.SettingRegion, Label: "Region", Help: "e.g. us-east-1"},
		{Key: model.SettingAccessKeyID, Label: "Access key ID", Help: "with the secret access key; or leave empty and name a profile"},
		{Key: model.SecretAccessKey, Label: "Secret access key", Secret: true},
		{Key: model.SecretSessionToken, Label: "Session token", Secret: true, Help: "for temporary credentials only"},
		{Key: model.SettingProfile, Label: "Profile", Help: "a profile of ~/.aws/config, instead of a key"},
		{Key: model.SettingEndpoint, Label: "Endpoint URL", Help: "an EC2-compatible cloud's endpoint; empty for AWS"},
	},
	model.CloudAzure: {
		{Key: model.SettingSubscriptionID, Label: "Subscription ID"},
		{Key: model.SettingTenantID, Label: "Tenant ID"},
		{Key: model.SettingClientID, Label: "Client (application) ID", Help: "with the client secret; empty: the default credential chain (az login, managed identity)"},
		{Key: model.SecretClientSecret, Label: "Client secret", Secret: true},
		{Key: model.SettingLocation, Label: "Location", Help: "e.g. eastus"},
		{Key: model.SettingResourceGroup, Label: "Resource group"},
	},
	model.CloudOpenStack: {
		{Key: model.SettingAuthURL, Label: "Auth URL", Help: "Keystone v3, e.g. https://kvm.tacc.chameleoncloud.org:5000/v3"},
		{Key: model.SettingRegion, Label: "Region"},
		{Key: model.SettingUsername, Label: "Username", Help: "with the password; or an application credential"},
		{Key: model.SecretPassword, Label: "Password", Secret: true},
		{Key: model.SettingApplicationCredentialID, Label: "Application credential ID"},
		{Key: model.SecretApplicationCredential, Label: "Application credential secret", Secret: true},
		{Key: model.SettingProjectName, Label: "Project name"},
		{Key: model.SettingProjectID, Label: "Project ID"},
		{Key: model.SettingUserDomainName, Label: "User domain name", Help: "often Default"},
		{Key: model.SettingUserDomainID, Label: "User domain ID"},
		{Key: model.SettingProjectDomainName, Label: "Project domain name"},
		{Key: model.SettingProjectDomainID, Label: "Project domain ID"},
		{Key: model.SettingInterface, Label: "Interface", Help: "public, internal or admin; empty: public"},
	},
	model.CloudHosts: {
		{Key: model.SecretPrivateKey, Label: "Private key", Secret: true, Multiline: true, Help: "for hosts without a key file; empty: the SSH agent"},
	},
}

// Kinds lists the kinds in the order the forms offer them.
var Kinds = []model.CloudKind{model.CloudAWS, model.CloudAzure, model.CloudOpenStack, model.CloudHosts}

var (
	connName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	guid     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// Validate checks a connection for its kind: a name commands can type,
// the settings and secrets the kind needs, and URLs and ids of the right
// shape. The error names the field and how to fix it.
func Validate(c model.Connection) error {
	if !connName.MatchString(c.Name) {
		return invalid("name", "%s: use lower-case letters, digits and -, up to 63, e.g. aws-lab", model.Quote(c.Name))
	}
	fields, ok := Fields[c.Kind]
	if !ok {
		return invalid("kind", "%s: use one of %s", model.Quote(string(c.Kind)), kindList())
	}
	if err := knownKeys(c, fields); err != nil {
		return err
	}
	if p := c.Defaults[model.DefaultNamePattern]; p != "" {
		if err := cloud.CheckNamePattern(p); err != nil {
			return invalid(model.DefaultNamePattern, "%s", err.Error())
		}
	}
	set := func(k string) bool { return c.Settings[k] != "" || c.Secrets[k] != "" }
	switch c.Kind {
	case model.CloudAWS:
		return validateAWS(c, set)
	case model.CloudAzure:
		return validateAzure(c, set)
	case model.CloudOpenStack:
		return validateOpenStack(c, set)
	}
	return validateHosts(c)
}

func validateAWS(c model.Connection, set func(string) bool) error {
	switch {
	case !set(model.SettingRegion):
		return invalid(model.SettingRegion, "is required, e.g. us-east-1")
	case set(model.SettingAccessKeyID) && !set(model.SecretAccessKey):
		return invalid(model.SecretAccessKey, "is required with access_key_id")
	case !set(model.SettingAccessKeyID) && set(model.SecretAccessKey):
		return invalid(model.SettingAccessKeyID, "is required with secret_access_key")
	case set(model.SettingAccessKeyID) && set(model.SettingProfile):
		return invalid(model.SettingProfile, "give either a profile or an access key, not both")
	case !set(model.SettingAccessKeyID) && !set(model.SettingProfile):
		return invalid(model.SettingAccessKeyID, "give an access key (access_key_id and secret_access_key) or a profile of ~/.aws/config")
	}
	if e := c.Settings[model.SettingEndpoint]; e != "" {
		return httpURL(model.SettingEndpoint, e)
	}
	return nil
}

func validateAzure(c model.Connection, set func(string) bool) error {
	for _, k := range []string{model.SettingSubscriptionID, model.SettingLocation, model.SettingResourceGroup} {
		if !set(k) {
			return invalid(k, "is required")
		}
	}
	for _, k := range []string{model.SettingSubscriptionID, model.SettingClientID} {
		if v := c.Settings[k]; v != "" && !guid.MatchString(v) {
			return invalid(k, "%s is not a GUID (like 00000000-0000-0000-0000-000000000000): copy it from the portal", model.Quote(v))
		}
	}
	if set(model.SettingClientID) {
		if !set(model.SettingTenantID) {
			return invalid(model.SettingTenantID, "is required with client_id")
		}
		if !set(model.SecretClientSecret) {
			return invalid(model.SecretClientSecret, "is required with client_id")
		}
	}
	return nil
}

func validateOpenStack(c model.Connection, set func(string) bool) error {
	u := c.Settings[model.SettingAuthURL]
	if u == "" {
		return invalid(model.SettingAuthURL, "is required: the Keystone v3 URL, e.g. https://keystone.example.org:5000/v3")
	}
	if err := httpURL(model.SettingAuthURL, u); err != nil {
		return err
	}
	if strings.HasSuffix(strings.TrimRight(u, "/"), "/v2.0") {
		return invalid(model.SettingAuthURL, "%s is Keystone v2.0, which meshflow does not speak: use the cloud's v3 URL (usually the same with /v3)", model.Quote(u))
	}
	appCred := set(model.SettingApplicationCredentialID)
	switch {
	case appCred && !set(model.SecretApplicationCredential):
		return invalid(model.SecretApplicationCredential, "is required with application_credential_id")
	case !appCred && !set(model.SettingUsername):
		return invalid(model.SettingUsername, "give a username and password, or an application credential")
	case !appCred && !set(model.SecretPassword):
		return invalid(model.SecretPassword, "is required with username")
	case !appCred && !set(model.SettingProjectName) && !set(model.SettingProjectID):
		return invalid(model.SettingProjectName, "give the project's name or id")
	}
	switch c.Settings[model.SettingInterface] {
	case "", "public", "internal", "admin":
		return nil
	}
	return invalid(model.SettingInterface, "%s: use public, internal or admin", model.Quote(c.Settings[model.SettingInterface]))
}

func validateHosts(c model.Connection) error {
	if len(c.Hosts) == 0 {
		return invalid("hosts", "add at least one host (name, address, user)")
	}
	seen := map[string]bool{}
	for i, h := range c.Hosts {
		field := fmt.Sprintf("hosts[%d]", i)
		switch {
		case h.Name == "":
			return invalid(field+".name", "is required")
		case seen[h.Name]:
			return invalid(field+".name", "%s is listed twice", model.Quote(h.Name))
		case h.Address == "" || strings.ContainsAny(h.Address, " /@"):
			return invalid(field+".address", "%s: give a host name or IP address, without user@ or a port", model.Quote(h.Address))
		case h.Port < 0 || h.Port > 65535:
			return invalid(field+".port", "%d: use 1 to 65535, or 0 for 22", h.Port)
		}
		if ip := net.ParseIP(h.Address); ip == nil && strings.Contains(h.Address, ":") {
			return invalid(field+".address", "%s: give the port in its own field", model.Quote(h.Address))
		}
		seen[h.Name] = true
	}
	return nil
}

// knownKeys refuses settings and secrets the kind does not have, and a
// secret given as a setting, which would be stored in the clear.
func knownKeys(c model.Connection, fields []Field) error {
	secret := map[string]bool{}
	for _, f := range fields {
		secret[f.Key] = f.Secret
	}
	for _, k := range slices.Sorted(maps.Keys(c.Settings)) {
		s, ok := secret[k]
		switch {
		case !ok:
			return invalid(k, "is not a setting of a %s connection: use %s", c.Kind, keyList(fields, false))
		case s:
			return invalid(k, "is a secret: give it as one (--secret %s), so it is sealed", k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Secrets)) {
		if s, ok := secret[k]; !ok || !s {
			return invalid(k, "is not a secret of a %s connection: use %s", c.Kind, keyList(fields, true))
		}
	}
	return nil
}

func httpURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid(field, "%s is not a URL: give it as https://host[:port][/path]", model.Quote(raw))
	}
	return nil
}

func invalid(field, format string, args ...any) error {
	return model.Errorf(model.ErrInvalid, "connection field %s: "+format, append([]any{field}, args...)...)
}

func keyList(fields []Field, secrets bool) string {
	var keys []string
	for _, f := range fields {
		if f.Secret == secrets {
			keys = append(keys, f.Key)
		}
	}
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}

func kindList() string {
	var s []string
	for _, k := range Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}
