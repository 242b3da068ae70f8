package importers

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	openrcLine  = regexp.MustCompile(`(?m)^\s*(export\s+)?OS_[A-Z0-9_]+=`)
	awsCredKey  = regexp.MustCompile(`(?m)^\s*aws_(access_key_id|secret_access_key|session_token)\s*=`)
	awsConfKey  = regexp.MustCompile(`(?m)^\s*(region|output|sso_[a-z_]+|role_arn|source_profile|credential_process|credential_source|endpoint_url|web_identity_token_file)\s*=`)
	awsProfileS = regexp.MustCompile(`(?m)^\s*\[(profile|sso-session|services)\s+[^\]]+\]\s*$`)
)

// sniff guesses a format from content; base is the file's name, used only
// where content cannot tell (secure.yaml is clouds.yaml without URLs).
func sniff(base string, data []byte) Format {
	trimmed := bytes.TrimSpace(data)
	if trimmed[0] == '{' {
		return sniffJSON(trimmed)
	}
	if f := sniffAWS(base, data); f != "" {
		return f
	}
	if openrcLine.Match(data) {
		return FormatOpenRC
	}
	return sniffYAML(base, data)
}

// sniffAWS tells the two AWS files apart. Both may hold keys and a
// region; only the config names its sections [profile x], so the file name
// decides when the content does not.
func sniffAWS(base string, data []byte) Format {
	creds, conf := awsCredKey.Match(data), awsConfKey.Match(data)
	switch {
	case !creds && !conf:
		return ""
	case base == "config":
		return FormatAWSConfig
	case base == "credentials":
		return FormatAWSCredentials
	case awsProfileS.Match(data) || !creds:
		return FormatAWSConfig
	}
	return FormatAWSCredentials
}

func sniffJSON(data []byte) Format {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		// Broken, but plainly a service principal: let Parse say where.
		if bytes.Contains(data, []byte(`"appId"`)) || bytes.Contains(data, []byte(`"clientId"`)) {
			return FormatAzureSP
		}
		return ""
	}
	has := func(keys ...string) bool {
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				return false
			}
		}
		return true
	}
	if has("appId", "tenant") || has("clientId", "tenantId") {
		return FormatAzureSP
	}
	return ""
}

func sniffYAML(base string, data []byte) Format {
	var top map[string]yaml.Node
	if yaml.Unmarshal(data, &top) != nil {
		// Let Parse report where it breaks, if it looks like one of ours.
		switch s := string(data); {
		case strings.Contains(s, "cloudmesh:"):
			return FormatCloudmesh
		case strings.Contains(s, "clouds:"):
			return FormatCloudsYAML
		}
		return ""
	}
	if _, ok := top["cloudmesh"]; ok {
		return FormatCloudmesh
	}
	if _, ok := top["clouds"]; !ok {
		return ""
	}
	if strings.HasPrefix(base, "secure.") || !bytes.Contains(data, []byte("auth_url")) && !bytes.Contains(data, []byte("profile:")) {
		return FormatSecureYAML
	}
	return FormatCloudsYAML
}
