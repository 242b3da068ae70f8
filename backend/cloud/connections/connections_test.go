package connections_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/vault"
	"github.com/meshflow/meshflow/store"
)

const canary = "CANARY-7f3e-do-not-show"

// identityProvider answers Identity with what its connection's secrets
// say, so a test can tell which secrets reached the provider.
type identityProvider struct {
	cloud.Provider
	c model.Connection
}

func (p identityProvider) Identity(context.Context) (string, error) {
	if p.c.Settings[model.SettingRegion] == "nowhere-1" {
		return "", &cloud.Error{Kind: p.c.Kind, Connection: p.c.Name, Op: "identity", Code: "AuthFailure", Message: "AWS was not able to validate the provided access credentials", Is: model.ErrInvalid}
	}
	return fmt.Sprintf("%s with %d secrets, secret_access_key=%t", p.c.Name, len(p.c.Secrets), p.c.Secrets[model.SecretAccessKey] == canary), nil
}

func newService(t *testing.T) (*connections.Service, *store.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(t.Context(), filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	open := func(c model.Connection) (cloud.Provider, error) { return identityProvider{c: c}, nil }
	return connections.New(st, vault.NewKeys(dir, st, vault.KeyOptions{}), open), st, dir
}

// Canaries holds one connection of every kind, each with the canary in
// every secret it has.
func Canaries() []model.Connection {
	return []model.Connection{
		{
			Name: "aws-lab", Kind: model.CloudAWS,
			Settings: map[string]string{model.SettingRegion: "us-east-1", model.SettingAccessKeyID: "AKIAEXAMPLE"},
			Secrets:  map[string]string{model.SecretAccessKey: canary, model.SecretSessionToken: canary},
		},
		{
			Name: "azure-lab", Kind: model.CloudAzure,
			Settings: map[string]string{
				model.SettingSubscriptionID: "00000000-0000-0000-0000-000000000001", model.SettingTenantID: "contoso.onmicrosoft.com",
				model.SettingClientID: "00000000-0000-0000-0000-000000000002", model.SettingLocation: "eastus", model.SettingResourceGroup: "lab",
			},
			Secrets: map[string]string{model.SecretClientSecret: canary},
		},
		{
			Name: "chameleon", Kind: model.CloudOpenStack,
			Settings: map[string]string{
				model.SettingAuthURL: "https://kvm.tacc.chameleoncloud.org:5000/v3", model.SettingUsername: "ann",
				model.SettingProjectName: "CH-000", model.SettingUserDomainName: "Default", model.SettingRegion: "KVM@TACC",
			},
			Secrets: map[string]string{model.SecretPassword: canary},
		},
		{
			Name: "lab-hosts", Kind: model.CloudHosts,
			Hosts:   []model.SSHHost{{Name: "box", Address: "10.0.0.5", User: "ann"}},
			Secrets: map[string]string{model.SecretPrivateKey: canary},
		},
	}
}

func TestSecretsAreSealedListedAsSetAndReachOnlyTheProvider(t *testing.T) {
	svc, _, dir := newService(t)
	ctx := t.Context()
	for _, c := range Canaries() {
		info, err := svc.Add(ctx, c)
		if err != nil {
			t.Fatalf("add %s: %v", c.Name, err)
		}
		if len(info.SecretsSet) != len(c.Secrets) {
			t.Errorf("%s: secrets set = %v", c.Name, info.SecretsSet)
		}
	}
	list, err := svc.List(ctx)
	if err != nil || len(list) != 4 {
		t.Fatalf("list = %v, %v", list, err)
	}
	if got := fmt.Sprintf("%+v", list); strings.Contains(got, canary) {
		t.Fatalf("list shows a secret: %s", got)
	}
	if aws, _ := svc.Get(ctx, "aws-lab"); strings.Join(aws.SecretsSet, ",") != "secret_access_key,session_token" {
		t.Errorf("aws secrets set = %v", aws.SecretsSet)
	}
	db, err := os.ReadFile(filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(filepath.Join(dir, "meshflow.db-wal"))
	if strings.Contains(string(db)+string(wal), canary) {
		t.Fatal("a secret is in the database in the clear")
	}
	id, err := svc.Test(ctx, "aws-lab")
	if err != nil || id != "aws-lab with 2 secrets, secret_access_key=true" {
		t.Fatalf("test = %q, %v", id, err)
	}
}

func TestAnEditKeepsASecretLeftEmptyAndReplacesOneGiven(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	aws := Canaries()[0]
	if _, err := svc.Add(ctx, aws); err != nil {
		t.Fatal(err)
	}
	edit := aws
	edit.Settings = map[string]string{model.SettingRegion: "eu-west-1", model.SettingAccessKeyID: "AKIAEXAMPLE"}
	edit.Secrets = map[string]string{model.SecretAccessKey: "", model.SecretSessionToken: ""} // the form's empty password fields
	info, err := svc.Update(ctx, "aws-lab", edit)
	if err != nil {
		t.Fatal(err)
	}
	if info.Settings[model.SettingRegion] != "eu-west-1" || len(info.SecretsSet) != 2 {
		t.Fatalf("after edit: %+v", info)
	}
	if id, _ := svc.Test(ctx, "aws-lab"); !strings.HasSuffix(id, "secret_access_key=true") {
		t.Fatalf("the kept secret did not reach the provider: %s", id)
	}
	edit.Secrets = map[string]string{model.SecretAccessKey: "new-value"}
	if _, err := svc.Update(ctx, "aws-lab", edit); err != nil {
		t.Fatal(err)
	}
	if id, _ := svc.Test(ctx, "aws-lab"); !strings.HasSuffix(id, "secret_access_key=false") {
		t.Fatalf("the new secret did not replace the old: %s", id)
	}
	// Giving up the key for a profile needs the key's secrets removed.
	edit.Settings = map[string]string{model.SettingRegion: "eu-west-1", model.SettingProfile: "lab"}
	edit.Secrets = nil
	if _, err := svc.Update(ctx, "aws-lab", edit); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("a profile beside a kept key: %v", err)
	}
	info, err = svc.Update(ctx, "aws-lab", edit, model.SecretAccessKey, model.SecretSessionToken)
	if err != nil || len(info.SecretsSet) != 0 {
		t.Fatalf("after clearing: %+v, %v", info, err)
	}
	edit.Kind = model.CloudAzure
	if _, err := svc.Update(ctx, "aws-lab", edit); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("changing kind: %v", err)
	}
}

func TestValidationNamesTheFieldAndTheFix(t *testing.T) {
	aws := func(settings map[string]string, secrets map[string]string) model.Connection {
		return model.Connection{Name: "aws-lab", Kind: model.CloudAWS, Settings: settings, Secrets: secrets}
	}
	key := map[string]string{model.SecretAccessKey: canary}
	for _, tc := range []struct {
		name string
		c    model.Connection
		want string
	}{
		{"bad name", model.Connection{Name: "AWS Lab", Kind: model.CloudAWS}, `field name: "AWS Lab": use lower-case letters`},
		{"unknown kind", model.Connection{Name: "g", Kind: "google"}, "use one of aws, azure, openstack, hosts"},
		{"no region", aws(map[string]string{model.SettingAccessKeyID: "AK"}, key), "field region: is required"},
		{"key without secret", aws(map[string]string{model.SettingRegion: "us-east-1", model.SettingAccessKeyID: "AK"}, nil), "field secret_access_key: is required with access_key_id"},
		{"secret as a setting", aws(map[string]string{model.SettingRegion: "us-east-1", model.SecretAccessKey: canary}, nil), "field secret_access_key: is a secret"},
		{"typo", aws(map[string]string{model.SettingRegion: "us-east-1", "regoin": "x", model.SettingProfile: "lab"}, nil), "field regoin: is not a setting of a aws connection"},
		{"endpoint", aws(map[string]string{model.SettingRegion: "us-east-1", model.SettingProfile: "lab", model.SettingEndpoint: "ec2.example.org"}, nil), `field endpoint: "ec2.example.org" is not a URL`},
		{"azure guid", model.Connection{Name: "az", Kind: model.CloudAzure, Settings: map[string]string{
			model.SettingSubscriptionID: "TBD", model.SettingLocation: "eastus", model.SettingResourceGroup: "rg",
		}}, `field subscription_id: "TBD" is not a GUID`},
		{"keystone v2", model.Connection{Name: "os", Kind: model.CloudOpenStack, Settings: map[string]string{
			model.SettingAuthURL: "https://keystone.example.org:5000/v2.0", model.SettingUsername: "ann",
		}}, "is Keystone v2.0"},
		{"openstack project", model.Connection{Name: "os", Kind: model.CloudOpenStack, Settings: map[string]string{
			model.SettingAuthURL: "https://keystone.example.org:5000/v3", model.SettingUsername: "ann",
		}, Secrets: map[string]string{model.SecretPassword: canary}}, "field project_name: give the project's name or id"},
		{"host with user@", model.Connection{Name: "h", Kind: model.CloudHosts, Hosts: []model.SSHHost{{Name: "a", Address: "ann@10.0.0.5"}}}, "field hosts[0].address"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := connections.Validate(tc.c)
			if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), canary) {
				t.Fatalf("error shows a secret: %v", err)
			}
		})
	}
	for _, c := range Canaries() {
		if err := connections.Validate(c); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

func TestImportingTwiceUpdatesAndNeverDuplicates(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	conns := Canaries()[:3]
	bad := model.Connection{Name: "broken", Kind: model.CloudAWS, Settings: map[string]string{model.SettingAccessKeyID: "AK"}}
	skipped := []connections.Skip{{Name: "gce", Kind: "google", Reason: "meshflow cannot use google clouds"}}
	res, err := svc.Import(ctx, append(conns, bad), skipped)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 3 || len(res.Updated) != 0 || len(res.Skipped) != 2 || !strings.Contains(res.Skipped[1].Reason, "region") {
		t.Fatalf("first import = %+v", res)
	}
	conns[0].Settings = map[string]string{model.SettingRegion: "us-west-2", model.SettingAccessKeyID: "AKIAEXAMPLE"}
	conns[0].Secrets = map[string]string{model.SecretAccessKey: canary} // the file has no session token any more: keep it
	conns[2].Kind = model.CloudAWS                                      // an aws "chameleon" where an openstack one is
	res, err = svc.Import(ctx, conns, nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Updated, ",") != "aws-lab,azure-lab" || len(res.Added) != 0 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0].Reason, "a openstack connection named chameleon exists") {
		t.Fatalf("second import = %+v", res)
	}
	list, _ := svc.List(ctx)
	if len(list) != 3 {
		t.Fatalf("after two imports: %d connections", len(list))
	}
	if got, _ := svc.Get(ctx, "aws-lab"); got.Settings[model.SettingRegion] != "us-west-2" || len(got.SecretsSet) != 2 {
		t.Fatalf("updated = %+v", got)
	}
	if strings.Contains(fmt.Sprintf("%+v", res), canary) {
		t.Fatal("import result shows a secret")
	}
}

func TestTestReportsTheCloudsOwnError(t *testing.T) {
	svc, _, _ := newService(t)
	ctx := t.Context()
	c := Canaries()[0]
	c.Settings[model.SettingRegion] = "nowhere-1"
	if _, err := svc.Add(ctx, c); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Test(ctx, "aws-lab")
	if cloud.Code(err) != "AuthFailure" || !strings.Contains(err.Error(), `aws connection "aws-lab": identity: AuthFailure`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := svc.Test(ctx, "nope"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	if err := svc.Delete(ctx, "aws-lab"); err != nil {
		t.Fatal(err)
	}
	if err := svc.Delete(ctx, "aws-lab"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestSealedSecretsDoNotOpenUnderAnotherConnection(t *testing.T) {
	svc, st, _ := newService(t)
	ctx := t.Context()
	for _, c := range Canaries()[:2] {
		if _, err := svc.Add(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	_, sealed, _ := st.Connection(ctx, "aws-lab")
	azure, _, _ := st.Connection(ctx, "azure-lab")
	if _, err := st.PutConnection(ctx, azure, sealed); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Test(ctx, "azure-lab")
	if !errors.Is(err, model.ErrUnavailable) || strings.Contains(err.Error(), canary) {
		t.Fatalf("moved secrets: %v", err)
	}
}
