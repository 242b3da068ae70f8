package openstack

import (
	"net/http"

	"github.com/meshflow/meshflow/backend/model"
)

// FromConnection is the Config for an OpenStack connection, read from the
// settings and secrets under the keys model defines for every importer
// and form to agree on.
func FromConnection(c model.Connection, hc *http.Client) Config {
	s := c.Settings
	return Config{
		Connection:                  c.Name,
		AuthURL:                     s[model.SettingAuthURL],
		Username:                    s[model.SettingUsername],
		Password:                    c.Secrets[model.SecretPassword],
		UserDomainName:              s[model.SettingUserDomainName],
		UserDomainID:                s[model.SettingUserDomainID],
		ProjectName:                 s[model.SettingProjectName],
		ProjectID:                   s[model.SettingProjectID],
		ProjectDomainName:           s[model.SettingProjectDomainName],
		ProjectDomainID:             s[model.SettingProjectDomainID],
		ApplicationCredentialID:     s[model.SettingApplicationCredentialID],
		ApplicationCredentialSecret: c.Secrets[model.SecretApplicationCredential],
		Region:                      s[model.SettingRegion],
		Interface:                   s[model.SettingInterface],
		HTTPClient:                  hc,
	}
}
