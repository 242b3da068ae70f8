package importers

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDiscover(t *testing.T) {
	home := t.TempDir()
	put := func(rel, sample string) string {
		path := filepath.Join(home, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		data := []byte(sample)
		if b, err := os.ReadFile(filepath.Join(testdata, sample)); err == nil {
			data = b
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	creds := put(".aws/credentials", "aws/credentials")
	config := put(".aws/config", "aws/config")
	clouds := put(".config/openstack/clouds.yaml", "openstack/clouds.yaml")
	secure := put(".config/openstack/secure.yaml", "openstack/secure.yaml")
	cm := put(".cloudmesh/cloudmesh4.yaml", "cloudmesh/cloudmesh.yaml")
	sp := put(".azure/sp.json", "azure/sp.json")
	broken := put(".azure/sdk-auth.json", "")        // empty: offered with its error
	put(".azure/azureProfile.json", "azure/sp.json") // not a name we look for
	if err := os.MkdirAll(filepath.Join(home, ".cloudmesh", "cloudmesh.yaml"), 0o700); err != nil {
		t.Fatal(err) // a directory where a file should be: not offered
	}

	env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "CANARY-discover"}
	got := Discover(home, func(k string) string { return env[k] })
	want := []Candidate{
		{Path: creds, Format: FormatAWSCredentials},
		{Path: config, Format: FormatAWSConfig},
		{Path: clouds, Format: FormatCloudsYAML},
		{Path: secure, Format: FormatSecureYAML},
		{Path: cm, Format: FormatCloudmesh},
		{Path: sp, Format: FormatAzureSP},
		{Path: broken},
		{Format: FormatEnv},
	}
	if len(got) != len(want) {
		t.Fatalf("found %d candidates, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Path != want[i].Path || got[i].Format != want[i].Format {
			t.Errorf("candidate %d = %s %q, want %s %q", i, got[i].Path, got[i].Format, want[i].Path, want[i].Format)
		}
	}
	if !errors.Is(got[6].Err, ErrEmpty) {
		t.Errorf("empty file's error = %v, want ErrEmpty", got[6].Err)
	}
}

// The variables the AWS and OpenStack tools honour move their files.
func TestDiscoverHonoursFileVariables(t *testing.T) {
	home, elsewhere := t.TempDir(), t.TempDir()
	creds := filepath.Join(elsewhere, "keys")
	clouds := filepath.Join(elsewhere, "my-clouds.yaml")
	for path, sample := range map[string]string{creds: "aws/credentials", clouds: "openstack/clouds.yaml"} {
		data, err := os.ReadFile(filepath.Join(testdata, sample))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"AWS_SHARED_CREDENTIALS_FILE": creds, "OS_CLIENT_CONFIG_FILE": clouds}
	got := Discover(home, func(k string) string { return env[k] })
	if len(got) != 2 || got[0].Path != creds || got[1].Path != clouds {
		t.Errorf("Discover = %+v, want %s and %s", got, creds, clouds)
	}
}
