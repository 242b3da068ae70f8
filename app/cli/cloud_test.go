package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/internal/syncbuf"

	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/cloud/openstack/osfake"
)

const cloudCanary = "CANARY-c1i-0a9e"

// runWithStdin runs a command with stdin, output and error together.
func runWithStdin(t *testing.T, dir, stdin string, args ...string) (string, error) {
	t.Helper()
	var out syncbuf.Buffer
	err := Run(t.Context(), append(args, "--data", dir), Env{
		Version: "v", Examples: os.DirFS("../../testdata/examples"), Stdin: strings.NewReader(stdin),
		Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" },
	})
	s := out.String()
	if err != nil {
		s += err.Error()
	}
	return s, err
}

// A connection added from the command line lists with its secrets as set,
// says where the master key is, tests against its cloud (here an
// in-memory EC2) saying who it is, and the canary secret shows nowhere.
func TestCloudAddListTestRm(t *testing.T) {
	dir := t.TempDir()
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAEXAMPLE"})
	t.Cleanup(ec2.Close)
	var seen strings.Builder
	run := func(stdin string, args ...string) (string, error) {
		out, err := runWithStdin(t, dir, stdin, args...)
		seen.WriteString(out)
		return out, err
	}
	out, err := run(cloudCanary+"\n"+cloudCanary+"\n", "cloud", "add", "aws", "aws-lab",
		"--set", "region=us-east-1", "--set", "access_key_id=AKIAEXAMPLE", "--set", "endpoint="+ec2.URL, "--secret", "secret_access_key", "--secret", "session_token")
	if err != nil || !strings.Contains(out, "aws connection aws-lab added") {
		t.Fatalf("add = %q, %v", out, err)
	}
	if out, err := run("-----BEGIN OPENSSH PRIVATE KEY-----\n"+cloudCanary+"\n-----END OPENSSH PRIVATE KEY-----\n", "cloud", "add", "hosts", "boxes",
		"--host", "box1=ann@10.0.0.5", "--host", "box2=ann@10.0.0.6:2222", "--secret", "private_key"); err != nil {
		t.Fatalf("add hosts = %q, %v", out, err)
	}
	if out, err := run("", "cloud", "add", "aws", "bad", "--set", "region=us-east-1", "--set", "secret_access_key="+cloudCanary); err == nil || !strings.Contains(out, "is a secret") {
		t.Fatalf("a secret as a setting = %q, %v", out, err)
	}
	out, err = run("", "cloud", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"aws-lab", "us-east-1", "secret_access_key,session_token", "2 hosts", "private_key", "master key: key file " + filepath.Join(dir, "secret.key")} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	out, err = run("", "cloud", "list", "--json")
	var doc struct {
		KeySource   string `json:"key_source"`
		Connections []struct {
			Name       string   `json:"name"`
			SecretsSet []string `json:"secrets_set"`
			Hosts      []struct{ Port int }
		} `json:"connections"`
	}
	if err != nil || json.Unmarshal([]byte(out), &doc) != nil || len(doc.Connections) != 2 || doc.Connections[1].Hosts[1].Port != 2222 || doc.KeySource == "" {
		t.Fatalf("list --json = %q, %v", out, err)
	}
	if out, err := run("", "cloud", "test", "aws-lab"); err != nil || !strings.Contains(out, "arn:aws:iam::123456789012:user/meshflow") {
		t.Fatalf("test = %q, %v", out, err)
	}
	if out, err := run("", "cloud", "rm", "aws-lab"); err != nil || !strings.Contains(out, "removed connection aws-lab") {
		t.Fatalf("rm = %q, %v", out, err)
	}
	if out, err := run("", "cloud", "rm", "aws-lab"); err == nil || !strings.Contains(out, `no connection "aws-lab"`) {
		t.Fatalf("rm twice = %q, %v", out, err)
	}
	audit, _ := run("", "audit")
	if strings.Contains(seen.String()+audit, cloudCanary) {
		t.Fatalf("the canary secret was shown:\n%s\n%s", seen.String(), audit)
	}
	for _, want := range []string{"connection.add", "connection.test", "connection.delete"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %s:\n%s", want, audit)
		}
	}
}

// While serve runs, the cloud commands act through its API: the server
// records them as the CLI's, once each, and its log never shows a secret.
func TestCloudCommandsGoThroughARunningServer(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, dir)
	keystone := osfake.New()
	t.Cleanup(keystone.Close)
	keystone.SetPassword(cloudCanary)
	out, err := runWithStdin(t, dir, cloudCanary+"\n", "cloud", "add", "openstack", "chameleon",
		"--set", "auth_url="+keystone.AuthURL(), "--set", "username="+osfake.Username, "--set", "user_domain_name="+osfake.DomainName,
		"--set", "project_name="+osfake.ProjectName, "--set", "project_domain_name="+osfake.DomainName, "--set", "region="+osfake.Region,
		"--secret", "password")
	if err != nil {
		t.Fatalf("add = %q, %v", out, err)
	}
	out, err = runWithStdin(t, dir, "", "cloud", "list")
	if err != nil || !strings.Contains(out, "chameleon") || !strings.Contains(out, "password") || !strings.Contains(out, "master key: key file") {
		t.Fatalf("list = %q, %v", out, err)
	}
	if out, err := runWithStdin(t, dir, "", "cloud", "test", "chameleon"); err != nil || !strings.Contains(out, osfake.Username) {
		t.Fatalf("test = %q, %v", out, err)
	}
	audit, err := runWithStdin(t, dir, "", "audit")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(audit, "connection.add"); n != 1 {
		t.Errorf("connection.add recorded %d times:\n%s", n, audit)
	}
	if !strings.Contains(audit, "API token via cli/") {
		t.Errorf("not recorded by the server as the CLI's:\n%s", audit)
	}
	if strings.Contains(out+audit+s.out.String(), cloudCanary) {
		t.Fatal("the canary secret was shown or logged")
	}
}

// A backup whose only secrets are a connection's carries their key; the
// restore refuses without it, and the restored connection opens.
func TestBackupOfConnectionsCarriesTheirKey(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAEXAMPLE"})
	t.Cleanup(ec2.Close)
	if out, err := runWithStdin(t, dir, cloudCanary+"\n", "cloud", "add", "aws", "aws-lab",
		"--set", "region=us-east-1", "--set", "access_key_id=AKIAEXAMPLE", "--set", "endpoint="+ec2.URL, "--secret", "secret_access_key"); err != nil {
		t.Fatalf("add = %q, %v", out, err)
	}
	backup := filepath.Join(t.TempDir(), "b.db")
	if out, err := runIn(ctx, dir, "db", "backup", backup); err != nil {
		t.Fatalf("backup = %q, %v", out, err)
	}
	noKey := filepath.Join(t.TempDir(), "nokey.db")
	copyTo(t, backup, noKey)
	if _, err := runIn(ctx, t.TempDir(), "db", "restore", noKey); err == nil || !strings.Contains(err.Error(), "holds 1 secret") {
		t.Fatalf("restore without the key: %v", err)
	}
	restored := t.TempDir()
	if out, err := runIn(ctx, restored, "db", "restore", backup); err != nil {
		t.Fatalf("restore = %q, %v", out, err)
	}
	// The restored secrets open and sign: a wrong key would fail before
	// the cloud is asked, saying so.
	if out, err := runWithStdin(t, restored, "", "cloud", "test", "aws-lab"); err != nil || !strings.Contains(out, "arn:aws:iam::123456789012") {
		t.Fatalf("test after restore = %q, %v", out, err)
	}
}
