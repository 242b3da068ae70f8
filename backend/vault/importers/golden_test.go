package importers

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/import/golden")

// canary is in every secret of the sample files and environments; it must
// come out only in Secrets.
const canary = "CANARY"

const testdata = "../../../testdata/import"

// goldenConn is a Connection as the golden files show it: secrets as
// "<set>", no store fields.
type goldenConn struct {
	Name     string
	Kind     model.CloudKind
	Active   bool
	Source   string
	Settings map[string]string `json:",omitempty"`
	Secrets  map[string]string `json:",omitempty"`
	Defaults map[string]string `json:",omitempty"`
	Hosts    []model.SSHHost   `json:",omitempty"`
}

type golden struct {
	Connections []goldenConn   `json:",omitempty"`
	Storage     []StorageEntry `json:",omitempty"`
	Skipped     []Skip         `json:",omitempty"`
	Notes       []Note         `json:",omitempty"`
}

func redact(t *testing.T, r Result) golden {
	t.Helper()
	hide := func(where string, secrets map[string]string) map[string]string {
		out := map[string]string{}
		for k, v := range secrets {
			if !strings.Contains(v, canary) {
				t.Errorf("%s: secret %s is %q, not the sample's secret", where, k, v)
			}
			out[k] = "<set>"
		}
		return out
	}
	var g golden
	for _, c := range r.Connections {
		g.Connections = append(g.Connections, goldenConn{
			Name: c.Name, Kind: c.Kind, Active: c.Active, Source: c.Source,
			Settings: c.Settings, Secrets: hide(c.Name, c.Secrets), Defaults: c.Defaults, Hosts: c.Hosts,
		})
	}
	for _, s := range r.Storage {
		s.Secrets = hide("storage "+s.Name, s.Secrets)
		g.Storage = append(g.Storage, s)
	}
	g.Skipped, g.Notes = r.Skipped, r.Notes
	return g
}

// readSample reads a sample file and names it as a user's file would be
// named, so Sources in the golden files read like the real thing.
func readSample(t *testing.T, rel string) File {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdata, rel))
	if err != nil {
		t.Fatal(err)
	}
	return File{Path: "testdata/import/" + rel, Data: data}
}

func checkGolden(t *testing.T, name string, r Result) {
	t.Helper()
	got, err := json.MarshalIndent(redact(t, r), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if strings.Contains(string(got), canary) {
		t.Errorf("a secret escaped Secrets:\n%s", got)
	}
	path := filepath.Join(testdata, "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("result differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

func TestGoldenFiles(t *testing.T) {
	tests := []struct {
		name  string
		files []string
	}{
		{"cloudmesh", []string{"cloudmesh/cloudmesh.yaml"}},
		{"cloudmesh-old", []string{"cloudmesh/cloudmesh-old.yaml"}},
		{"clouds-secure", []string{"openstack/clouds.yaml", "openstack/secure.yaml"}},
		{"clouds-only", []string{"openstack/clouds.yaml"}},
		{"aws", []string{"aws/credentials", "aws/config"}},
		{"aws-credentials-only", []string{"aws/credentials"}},
		{"azure-sp", []string{"azure/sp.json"}},
		{"azure-sdk-auth", []string{"azure/sdk-auth.json"}},
		{"openrc-horizon", []string{"openrc/CH-822154-openrc.sh"}},
		{"openrc-appcred", []string{"openrc/app-cred-openrc.sh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []File
			for _, f := range tt.files {
				files = append(files, readSample(t, f))
			}
			r, err := ParseFiles(files...)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tt.name, r)
		})
	}
}

func TestGoldenEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"env-openrc-v2", map[string]string{
			"OS_AUTH_URL": "https://openstack.tacc.chameleoncloud.org:5000/v2.0", "OS_USERNAME": "ada",
			"OS_PASSWORD": "CANARY-env-os-pw", "OS_TENANT_NAME": "CH-819337", "OS_REGION_NAME": "RegionOne",
		}},
		{"env-openrc-appcred", map[string]string{
			"OS_AUTH_URL": "https://js2.jetstream-cloud.org:5000/v3", "OS_AUTH_TYPE": "v3applicationcredential",
			"OS_APPLICATION_CREDENTIAL_ID": "2d4a", "OS_APPLICATION_CREDENTIAL_SECRET": "CANARY-env-appcred",
			"OS_INTERFACE": "publicURL", "OS_REGION_NAME": "IU",
		}},
		{"env-os-cloud", map[string]string{"OS_CLOUD": "chameleon"}},
		{"env-azure-sdk", map[string]string{
			"AZURE_TENANT_ID": "11111111-2222-3333-4444-555555555555", "AZURE_CLIENT_ID": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
			"AZURE_CLIENT_SECRET": "CANARY-env-az", "AZURE_SUBSCRIPTION_ID": "66666666-7777-8888-9999-000000000000",
		}},
		{"env-azure-cloudmesh", map[string]string{
			"AZURE_TENANT_ID": "11111111-2222-3333-4444-555555555555", "AZURE_APPLICATION_ID": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
			"AZURE_SECRET_KEY": "CANARY-env-az-cm", "AZURE_SUBSCRIPTION_ID": "66666666-7777-8888-9999-000000000000",
			"AZURE_REGION": "eastus",
		}},
		{"env-azure-default-chain", map[string]string{"AZURE_SUBSCRIPTION_ID": "66666666-7777-8888-9999-000000000000"}},
		{"env-aws-static", map[string]string{
			"AWS_ACCESS_KEY_ID": "ASIAENVEXAMPLE", "AWS_SECRET_ACCESS_KEY": "CANARY-env-aws",
			"AWS_SESSION_TOKEN": "CANARY-env-aws-token", "AWS_DEFAULT_REGION": "us-east-2",
		}},
		{"env-aws-profile", map[string]string{"AWS_PROFILE": "dev-sso", "AWS_REGION": "us-west-2"}},
		{"env-all", map[string]string{
			"OS_AUTH_URL": "https://kvm.tacc.chameleoncloud.org:5000/v3", "OS_USERNAME": "ada", "OS_PASSWORD": "CANARY-all-os",
			"OS_PROJECT_NAME": "CH-822154", "OS_USER_DOMAIN_NAME": "Default", "OS_PROJECT_DOMAIN_NAME": "Default",
			"AZURE_SUBSCRIPTION_ID": "66666666-7777-8888-9999-000000000000",
			"AWS_ACCESS_KEY_ID":     "AKIAENVEXAMPLE",
			"AWS_SECRET_ACCESS_KEY": "CANARY-all-aws",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGolden(t, tt.name, FromEnv(func(k string) string { return tt.env[k] }))
		})
	}
}

// Files under the home directory are named ~/… in Source, as people know
// them.
func TestSourceShortensHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	f := readSample(t, "aws/credentials")
	r, err := Parse(filepath.Join(home, ".aws", "credentials"), f.Data)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Connections[0].Source; got != "~/.aws/credentials [default]" {
		t.Errorf("Source = %q", got)
	}
}

func BenchmarkParseCloudmesh(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(testdata, "cloudmesh/cloudmesh.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse("cloudmesh.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
