package app

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/internal/syncbuf"
)

const apiCanary = "CANARY-api-5d27-DO-NOT-SHOW"

// Connections of every kind added, edited, tested and removed through the
// API of a running server: the answers say which secrets are set, the
// test says the adapter is missing in the cloud's terms, and the canary
// secret is in no response body, log line at debug level or audit entry.
func TestAPIConnectionsNeverAnswerASecret(t *testing.T) {
	logs := &syncbuf.Buffer{}
	addr, a := serveForTestLogged(t, defaultTimeouts(), slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	client, err := a.Dir.Remote()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	var bodies strings.Builder
	raw := func(method, path string, body any) (int, string) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(ctx, method, "http://"+addr+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+client.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		bodies.Write(out)
		return resp.StatusCode, string(out)
	}
	conns := client.Connections()
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAEXAMPLE"})
	t.Cleanup(ec2.Close)
	for _, c := range []model.Connection{
		{
			Name: "aws-lab", Kind: model.CloudAWS, Active: true, Settings: map[string]string{model.SettingRegion: "us-east-1", model.SettingAccessKeyID: "AKIAEXAMPLE", model.SettingEndpoint: ec2.URL},
			Secrets: map[string]string{model.SecretAccessKey: apiCanary, model.SecretSessionToken: apiCanary},
		},
		{Name: "azure-lab", Kind: model.CloudAzure, Active: true, Settings: map[string]string{
			model.SettingSubscriptionID: "00000000-0000-0000-0000-000000000001", model.SettingTenantID: "t",
			model.SettingClientID: "00000000-0000-0000-0000-000000000002", model.SettingLocation: "eastus", model.SettingResourceGroup: "lab",
		}, Secrets: map[string]string{model.SecretClientSecret: apiCanary}},
		{Name: "jetstream2", Kind: model.CloudOpenStack, Active: true, Settings: map[string]string{
			model.SettingAuthURL: "https://js2.jetstream-cloud.org:5000/identity/v3", model.SettingApplicationCredentialID: "abc",
		}, Secrets: map[string]string{model.SecretApplicationCredential: apiCanary}},
		{
			Name: "boxes", Kind: model.CloudHosts, Active: true, Hosts: []model.SSHHost{{Name: "box", Address: "10.0.0.5", User: "ann"}},
			Secrets: map[string]string{model.SecretPrivateKey: apiCanary},
		},
	} {
		info, err := conns.Add(ctx, c)
		if err != nil || len(info.SecretsSet) != len(c.Secrets) {
			t.Fatalf("add %s = %+v, %v", c.Name, info, err)
		}
	}
	status, body := raw("GET", "/api/v1/connections", nil)
	if status != 200 || !strings.Contains(body, `"secrets_set":["secret_access_key","session_token"]`) || !strings.Contains(body, `"key_source":"key file `) {
		t.Fatalf("list = %d %s", status, body)
	}
	// An edit with an empty secret keeps it; a bad one is refused by field.
	status, body = raw("PUT", "/api/v1/connections/aws-lab", api.ConnectionRequest{
		Kind: model.CloudAWS, Name: "aws-lab",
		Settings: map[string]string{model.SettingRegion: "eu-west-1", model.SettingAccessKeyID: "AKIAEXAMPLE", model.SettingEndpoint: ec2.URL}, Secrets: map[string]string{model.SecretAccessKey: ""},
	})
	if status != 200 || !strings.Contains(body, `"secrets_set":["secret_access_key","session_token"]`) {
		t.Fatalf("edit = %d %s", status, body)
	}
	status, body = raw("POST", "/api/v1/connections", api.ConnectionRequest{
		Kind: model.CloudAWS, Name: "bad",
		Settings: map[string]string{model.SettingRegion: "us-east-1", model.SecretAccessKey: apiCanary},
	})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "connection field secret_access_key: is a secret") {
		t.Fatalf("a secret as a setting = %d %s", status, body)
	}
	if status, body = raw("POST", "/api/v1/connections", `{"name": "x", "secrets": {"password": "`+apiCanary+`"`); status != http.StatusBadRequest {
		t.Fatalf("a broken body = %d %s", status, body)
	}
	status, body = raw("POST", "/api/v1/connections/aws-lab/test", struct{}{})
	if status != http.StatusOK || !strings.Contains(body, "arn:aws:iam::123456789012:user/meshflow") {
		t.Fatalf("test = %d %s", status, body)
	}
	if _, err := conns.Test(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `no connection "nope"`) {
		t.Fatalf("test of an unknown connection: %v", err)
	}
	if err := conns.Delete(ctx, "boxes"); err != nil {
		t.Fatal(err)
	}
	if list, err := conns.List(ctx); err != nil || len(list) != 3 {
		t.Fatalf("after delete: %d, %v", len(list), err)
	}
	events, err := a.Store.AuditEvents(ctx, model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var audit strings.Builder
	for _, e := range events {
		audit.WriteString(e.Action + " " + e.Target.String() + " " + string(e.Outcome) + " " + e.Reason + "\n")
	}
	for _, want := range []string{
		"connection.add connection aws-lab done", "connection.update connection aws-lab done",
		"connection.add connection bad refused", "connection.test connection aws-lab done", "connection.delete connection boxes done",
	} {
		if !strings.Contains(audit.String(), want) {
			t.Errorf("audit lacks %q:\n%s", want, audit.String())
		}
	}
	if all := bodies.String() + logs.String() + audit.String(); strings.Contains(all, apiCanary) {
		t.Fatalf("the canary secret was answered, logged or recorded:\n%s", all)
	}
}
