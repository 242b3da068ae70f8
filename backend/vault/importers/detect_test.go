package importers

import (
	"os"
	"path/filepath"
	"testing"
)

// Detect goes by content: a file saved under another name is still known.
func TestDetectByContent(t *testing.T) {
	tests := []struct {
		sample, savedAs string
		want            Format
	}{
		{"aws/credentials", "credentials", FormatAWSCredentials},
		{"aws/credentials", "aws-keys.txt", FormatAWSCredentials},
		{"aws/config", "config", FormatAWSConfig},
		{"aws/config", "aws.ini", FormatAWSConfig},
		{"openstack/clouds.yaml", "clouds.yaml", FormatCloudsYAML},
		{"openstack/clouds.yaml", "mycloud.yml", FormatCloudsYAML},
		{"openstack/secure.yaml", "secure.yaml", FormatSecureYAML},
		{"openstack/secure.yaml", "secrets.yaml", FormatSecureYAML},
		{"openrc/CH-822154-openrc.sh", "CH-822154-openrc.sh", FormatOpenRC},
		{"openrc/app-cred-openrc.sh", "env", FormatOpenRC},
		{"azure/sp.json", "sp.json", FormatAzureSP},
		{"azure/sdk-auth.json", "creds", FormatAzureSP},
		{"cloudmesh/cloudmesh.yaml", "cloudmesh.yaml", FormatCloudmesh},
		{"cloudmesh/cloudmesh-old.yaml", "backup.yaml", FormatCloudmesh},
	}
	for _, tt := range tests {
		t.Run(tt.sample+" as "+tt.savedAs, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(testdata, tt.sample))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Detect(filepath.Join("/home/ada", tt.savedAs), data)
			if err != nil || got != tt.want {
				t.Errorf("Detect = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// An AWS config that holds only [default] is told from a credentials file
// by its keys, and a profile-less credentials file still reads as one.
func TestDetectAWSEdgeCases(t *testing.T) {
	tests := []struct {
		path, data string
		want       Format
	}{
		{"/x/config", "[default]\nregion = us-east-1\n", FormatAWSConfig},
		{"/x/anything", "[default]\nregion = us-east-1\noutput = json\n", FormatAWSConfig},
		{"/x/anything", "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n", FormatAWSCredentials},
		{"/x/credentials", "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\nregion = us-east-1\n", FormatAWSCredentials},
	}
	for _, tt := range tests {
		if got, err := Detect(tt.path, []byte(tt.data)); got != tt.want {
			t.Errorf("Detect(%s, %q) = %q, %v; want %q", tt.path, tt.data, got, err, tt.want)
		}
	}
}
