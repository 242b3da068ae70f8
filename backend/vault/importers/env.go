package importers

import (
	"github.com/meshflow/meshflow/backend/model"
)

// FromEnv reads the variables a shell has after sourcing an openrc or
// exporting cloud keys: OS_*, AZURE_* (the SDKs' names and Cloudmesh's) and
// AWS_*. Each cloud gives at most one connection, named openstack-env,
// azure-env and aws-env, so importing the same shell again updates them.
func FromEnv(getenv func(string) string) Result {
	var r Result
	if getenv("OS_AUTH_URL") != "" || getenv("OS_USERNAME") != "" || getenv("OS_APPLICATION_CREDENTIAL_ID") != "" {
		if c, ok := osFromEnv(getenv).build(&r, "openstack-env", "environment (OS_*)"); ok {
			r.Connections = append(r.Connections, c)
		}
	} else if cloud := getenv("OS_CLOUD"); cloud != "" {
		r.skip("environment (OS_*)", "openstack-env", "OS_CLOUD names a cloud of clouds.yaml: import that file instead")
	}
	a := azureFromVars(getenv)
	if a != (azureAuth{}) {
		if c, ok := a.build(&r, "azure-env", "environment (AZURE_*)"); ok {
			r.Connections = append(r.Connections, c)
		}
	}
	awsFromEnv(&r, getenv)
	r.uniqueNames()
	return r
}

// awsFromEnv reads the AWS SDK's variables: static keys, or AWS_PROFILE
// naming a profile of ~/.aws/config.
func awsFromEnv(r *Result, getenv func(string) string) {
	const src, name = "environment (AWS_*)", "aws-env"
	id, secret, profile := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_PROFILE")
	if id == "" && secret == "" && profile == "" {
		return
	}
	c := newConn(model.CloudAWS, name, src)
	setIf(c.Settings, model.SettingRegion, firstSet(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")))
	setIf(c.Settings, model.SettingEndpoint, firstSet(getenv("AWS_ENDPOINT_URL_EC2"), getenv("AWS_ENDPOINT_URL")))
	switch {
	case id == "" && secret == "":
		c.Settings[model.SettingProfile] = profile
	case placeholder(id) || placeholder(secret):
		r.skip(src, name, "AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is missing or a placeholder")
		return
	default:
		c.Settings[model.SettingAccessKeyID] = id
		c.Secrets[model.SecretAccessKey] = secret
		if tok := getenv("AWS_SESSION_TOKEN"); tok != "" {
			c.Secrets[model.SecretSessionToken] = tok
			r.note(src, name, "temporary credentials (a session token): they stop working when the session expires")
		}
	}
	r.Connections = append(r.Connections, c)
}
