package importers

import (
	"fmt"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// awsProfile is one profile as the two files give it together.
type awsProfile struct {
	name      string
	creds     map[string]string // from ~/.aws/credentials
	config    map[string]string // from ~/.aws/config
	credsPath string
	confPath  string
}

// parseAWS merges ~/.aws/credentials and ~/.aws/config by profile name, as
// the AWS SDKs do. A profile with static keys becomes a key connection; one
// that gets its keys from SSO, a role or a process becomes a profile
// connection, which the adapter hands back to the SDK by name.
func parseAWS(r *Result, creds, config *File) error {
	profiles, err := awsProfiles(creds, config)
	if err != nil {
		return err
	}
	for _, p := range profiles {
		p.build(r)
	}
	return nil
}

func awsProfiles(creds, config *File) ([]*awsProfile, error) {
	var order []*awsProfile
	byName := map[string]*awsProfile{}
	get := func(name string) *awsProfile {
		if p, ok := byName[name]; ok {
			return p
		}
		p := &awsProfile{name: name, creds: map[string]string{}, config: map[string]string{}}
		byName[name] = p
		order = append(order, p)
		return p
	}
	if creds != nil {
		secs, err := parseINI(creds.Path, creds.Data)
		if err != nil {
			return nil, err
		}
		for _, s := range secs {
			p := get(strings.TrimPrefix(s.name, "profile "))
			p.creds, p.credsPath = s.keys, creds.Path
		}
	}
	if config != nil {
		secs, err := parseINI(config.Path, config.Data)
		if err != nil {
			return nil, err
		}
		for _, s := range secs {
			name, ok := strings.CutPrefix(s.name, "profile ")
			if !ok && s.name != "default" {
				continue // [sso-session …], [services …]: not profiles
			}
			p := get(name)
			p.config, p.confPath = s.keys, config.Path
		}
	}
	return order, nil
}

// value is a key from either file; the credentials file wins, as in the SDKs.
func (p *awsProfile) value(k string) string {
	if v, ok := p.creds[k]; ok {
		return v
	}
	return p.config[k]
}

func (p *awsProfile) source() string {
	if p.credsPath != "" {
		return fmt.Sprintf("%s [%s]", shortPath(p.credsPath), p.name)
	}
	if p.name == "default" {
		return fmt.Sprintf("%s [default]", shortPath(p.confPath))
	}
	return fmt.Sprintf("%s [profile %s]", shortPath(p.confPath), p.name)
}

// delegated reports whether the SDK gets this profile's keys elsewhere.
func (p *awsProfile) delegated() string {
	for _, k := range []string{"sso_session", "sso_start_url", "role_arn", "credential_process", "web_identity_token_file"} {
		if p.value(k) != "" {
			return k
		}
	}
	return ""
}

func (p *awsProfile) build(r *Result) {
	src := p.source()
	c := newConn(model.CloudAWS, p.name, src)
	setIf(c.Settings, model.SettingRegion, p.value("region"))
	setIf(c.Settings, model.SettingEndpoint, p.value("endpoint_url"))
	id, secret := p.value("aws_access_key_id"), p.value("aws_secret_access_key")
	switch how := p.delegated(); {
	case how != "":
		// The SDK resolves SSO, roles and processes itself, with caching
		// and refresh meshflow should not reimplement.
		c.Settings[model.SettingProfile] = p.name
		r.note(src, p.name, fmt.Sprintf("imported as a reference to the profile (it uses %s): the AWS SDK reads ~/.aws for its keys", how))
	case id == "" && secret == "":
		r.skip(src, p.name, "no credentials: the profile sets only options such as the region")
		return
	case placeholder(id) || placeholder(secret):
		r.skip(src, p.name, "aws_access_key_id or aws_secret_access_key is missing or a placeholder")
		return
	default:
		c.Settings[model.SettingAccessKeyID] = id
		c.Secrets[model.SecretAccessKey] = secret
		if tok := p.value("aws_session_token"); !placeholder(tok) {
			c.Secrets[model.SecretSessionToken] = tok
			r.note(src, p.name, "temporary credentials (a session token): they stop working when the session expires")
		}
	}
	r.Connections = append(r.Connections, c)
}
