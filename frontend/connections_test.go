package frontend_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// connCanary is put in every secret of every kind; no page may show it.
const connCanary = "CANARY-ui-93b1-DO-NOT-SHOW"

// testProvider authenticates a connection whose region is not
// "nowhere-1"; there it answers as a cloud that refuses the credentials.
type testProvider struct {
	cloud.Provider
	c model.Connection
}

func openTestProvider(c model.Connection) (cloud.Provider, error) { return testProvider{c: c}, nil }

func (p testProvider) Identity(context.Context) (string, error) {
	if p.c.Settings[model.SettingRegion] == "nowhere-1" {
		return "", &cloud.Error{Kind: p.c.Kind, Connection: p.c.Name, Op: "identity", Code: "AuthFailure", Message: "AWS was not able to validate the provided access credentials"}
	}
	return "arn:aws:iam::123456789012:user/ann", nil
}

// canaryForms are add forms of every kind, each secret the canary.
var canaryForms = []url.Values{
	{
		"kind": {"aws"}, "name": {"aws-lab"}, "region": {"us-east-1"}, "access_key_id": {"AKIAEXAMPLE"},
		"secret.secret_access_key": {connCanary}, "secret.session_token": {connCanary}, "active": {"on"},
	},
	{
		"kind": {"azure"}, "name": {"azure-lab"}, "subscription_id": {"00000000-0000-0000-0000-000000000001"},
		"tenant_id": {"contoso.onmicrosoft.com"}, "client_id": {"00000000-0000-0000-0000-000000000002"},
		"secret.client_secret": {connCanary}, "location": {"eastus"}, "resource_group": {"lab"}, "active": {"on"},
	},
	{
		"kind": {"openstack"}, "name": {"chameleon"}, "auth_url": {"https://kvm.tacc.chameleoncloud.org:5000/v3"},
		"username": {"ann"}, "secret.password": {connCanary}, "project_name": {"CH-000"}, "region": {"KVM@TACC"},
		"secret.application_credential_secret": {""}, "active": {"on"},
	},
	{
		"kind": {"hosts"}, "name": {"boxes"}, "hosts": {"box1 ann@10.0.0.5\nbox2 ann@10.0.0.6:2222 ~/.ssh/id_box\n"},
		"secret.private_key": {"-----BEGIN OPENSSH PRIVATE KEY-----\r\n" + connCanary + "\r\n-----END OPENSSH PRIVATE KEY-----\r\n"}, "default.username": {"ann"},
	},
}

func TestConnectionsPageAddEditTestDelete(t *testing.T) {
	f := newFixture(t, false)
	var pages strings.Builder
	get := func(path string, status int) *goquery.Document {
		t.Helper()
		rec := f.do(t, "GET", path, nil, nil)
		pages.WriteString(rec.Body.String())
		if rec.Code != status {
			t.Fatalf("GET %s = %d, want %d:\n%s", path, rec.Code, status, rec.Body.String())
		}
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
		if err != nil {
			t.Fatal(err)
		}
		return doc
	}
	for _, form := range canaryForms {
		rec := f.do(t, "POST", "/connections", form, nil)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("add %s = %d:\n%s", form.Get("name"), rec.Code, rec.Body.String())
		}
		pages.WriteString(f.follow(t, rec))
	}
	doc := get("/connections", 200)
	if n := doc.Find(`[data-testid=connection-row]`).Length(); n != 4 {
		t.Fatalf("%d rows, want 4", n)
	}
	aws := doc.Find(`[data-testid=connection-row][data-name=aws-lab]`)
	if got := aws.Find(`[data-testid=connection-secret-set]`).Text(); got != "secret_access_key: setsession_token: set" {
		t.Errorf("aws secrets = %q", got)
	}
	if !strings.Contains(doc.Find(`[data-testid=connection-row][data-name=boxes]`).Text(), "2 hosts") {
		t.Error("hosts row does not count its hosts")
	}
	if got := doc.Find(`[data-testid=key-source]`).Text(); !strings.Contains(got, "key file") || !strings.Contains(got, "secret.key") {
		t.Errorf("key source = %q", got)
	}

	// The edit form shows the settings, never a secret: its password box is
	// empty and says a secret is set. Saving it empty keeps the secret.
	edit := get("/connections?edit=aws-lab", 200)
	if v, _ := edit.Find(`#conn-region`).Attr("value"); v != "us-east-1" {
		t.Errorf("region = %q", v)
	}
	secretBox := edit.Find(`[data-testid=secret-secret_access_key]`)
	if _, has := secretBox.Attr("value"); has || secretBox.AttrOr("type", "") != "password" {
		t.Errorf("secret box = %v", secretBox.Nodes)
	}
	if !strings.Contains(edit.Find(`#conn-secret_access_key-help`).Text(), "Set; leave empty to keep it") {
		t.Error("the form does not say the secret is set")
	}
	form := url.Values{
		"kind": {"aws"}, "name": {"aws-lab"}, "region": {"eu-west-1"}, "access_key_id": {"AKIAEXAMPLE"},
		"secret.secret_access_key": {""}, "secret.session_token": {""}, "active": {"on"},
	}
	pages.WriteString(f.follow(t, f.do(t, "POST", "/connections/aws-lab", form, nil)))
	if info, _ := f.conns.Get(t.Context(), "aws-lab"); info.Settings["region"] != "eu-west-1" || len(info.SecretsSet) != 2 {
		t.Fatalf("after the edit: %+v", info)
	}

	// A refused edit comes back with the message by its field and no secret.
	form.Set("region", "")
	form.Set("secret.secret_access_key", connCanary)
	rec := f.do(t, "POST", "/connections/aws-lab", form, nil)
	pages.WriteString(rec.Body.String())
	if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `data-testid="error-region"`) {
		t.Fatalf("refused edit = %d:\n%s", rec.Code, rec.Body.String())
	}

	body := f.follow(t, f.do(t, "POST", "/connections/aws-lab/test", url.Values{}, nil))
	pages.WriteString(body)
	if !strings.Contains(body, "aws-lab: authenticated as arn:aws:iam::123456789012:user/ann.") {
		t.Errorf("test flash missing:\n%s", body)
	}
	form.Set("region", "nowhere-1")
	form.Set("secret.secret_access_key", "")
	pages.WriteString(f.follow(t, f.do(t, "POST", "/connections/aws-lab", form, nil)))
	body = f.follow(t, f.do(t, "POST", "/connections/aws-lab/test", url.Values{}, nil))
	pages.WriteString(body)
	if !strings.Contains(body, `aws connection &#34;aws-lab&#34;: identity: AuthFailure: AWS was not able to validate`) {
		t.Errorf("the cloud's error is not shown:\n%s", body)
	}

	// Ticking "Remove it" clears a secret.
	if edit := get("/connections?edit=chameleon", 200); edit.Find(`[data-testid=clear-password]`).Length() != 1 {
		t.Error("no way to remove a set secret")
	}
	cham := url.Values{
		"kind": {"openstack"}, "name": {"chameleon"}, "auth_url": {"https://kvm.tacc.chameleoncloud.org:5000/v3"},
		"application_credential_id": {"abc"}, "secret.application_credential_secret": {"new"}, "clear": {"password"}, "active": {"on"},
	}
	pages.WriteString(f.follow(t, f.do(t, "POST", "/connections/chameleon", cham, nil)))
	if info, _ := f.conns.Get(t.Context(), "chameleon"); strings.Join(info.SecretsSet, ",") != "application_credential_secret" {
		t.Fatalf("after removing the password: %v", info.SecretsSet)
	}

	conf := get("/connections/chameleon/delete", 200)
	if conf.Find(`[data-testid=confirmation]`).Length() != 1 || !strings.Contains(conf.Text(), "Delete connection chameleon?") {
		t.Fatal("no confirmation before delete")
	}
	pages.WriteString(f.follow(t, f.do(t, "POST", "/connections/chameleon/delete", url.Values{}, nil)))
	if _, err := f.conns.Get(t.Context(), "chameleon"); err == nil {
		t.Fatal("chameleon was not deleted")
	}
	get("/connections/chameleon/delete", 404)
	get("/connections?edit=chameleon", 404)
	get("/connections?add=openstack", 200)
	hostsForm := get("/connections?add=hosts", 200)
	if box := hostsForm.Find(`textarea[data-testid=secret-private_key]`); box.Length() != 1 || box.Text() != "" {
		t.Errorf("the private key box = %d, %q", box.Length(), box.Text())
	}
	p, err := f.conns.Provider(t.Context(), "boxes")
	if err != nil {
		t.Fatal(err)
	}
	if key := p.(testProvider).c.Secrets[model.SecretPrivateKey]; key != "-----BEGIN OPENSSH PRIVATE KEY-----\n"+connCanary+"\n-----END OPENSSH PRIVATE KEY-----\n" {
		t.Errorf("the private key reached the provider as %q", key)
	}
	audit := get("/audit", 200)
	if href, _ := audit.Find(`a[href="/connections?edit=aws-lab"]`).Attr("href"); href == "" {
		t.Error("the audit log does not link to the connection it changed")
	}

	if strings.Contains(pages.String()+f.log.String(), connCanary) {
		t.Fatal("a page or a log line shows a secret")
	}
	events, err := f.store.AuditEvents(t.Context(), model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.Action+" "+e.Target.String()+" "+string(e.Outcome)] = true
		if strings.Contains(e.Reason, connCanary) {
			t.Errorf("audit reason shows a secret: %s", e.Reason)
		}
	}
	for _, want := range []string{
		"connection.add connection boxes done", "connection.update connection aws-lab done", "connection.update connection aws-lab refused",
		"connection.test connection aws-lab done", "connection.test connection aws-lab failed", "connection.delete connection chameleon done",
	} {
		if !seen[want] {
			t.Errorf("audit log lacks %q: %v", want, seen)
		}
	}
}
