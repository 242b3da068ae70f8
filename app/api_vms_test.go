package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/cloud/aws/ec2fake"
	"github.com/meshflow/meshflow/backend/model"
)

// apiCall sends one request with the server's token and returns the
// status and the body, which must be JSON.
func apiCall(t *testing.T, c *api.Client, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, c.BaseURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !json.Valid(b) {
		t.Fatalf("%s %s answered no JSON: %s", method, path, b)
	}
	return resp.StatusCode, string(b)
}

// The day through the REST API, against an EC2 speaking its wire format:
// a create with an idempotency key sent twice makes its VMs once; the list
// filters as the VMs page does and says what each costs; a name two VMs
// share is refused with their ids; a stop by tag waits until stopped; each
// change is audited as the API's, and the connection's secret is in no
// answer.
func TestVMsThroughTheAPI(t *testing.T) {
	_, a, client := serveAPIForTest(t)
	ctx := t.Context()
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAAPI"})
	t.Cleanup(ec2.Close)
	for _, name := range []string{"lab", "lab-copy"} {
		_, err := client.Connections().Add(ctx, model.Connection{
			Name: name, Kind: model.CloudAWS, Active: true,
			Settings: map[string]string{"region": "us-east-1", "access_key_id": "AKIAAPI", "endpoint": ec2.URL},
			Secrets:  map[string]string{"secret_access_key": apiCanary},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var seen strings.Builder
	call := func(method, path, body string, want int) string {
		t.Helper()
		status, out := apiCall(t, client, method, path, body)
		seen.WriteString(out)
		if status != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, status, out, want)
		}
		return out
	}

	create := `{"connection": "lab", "count": 2, "prefix": "api", "image": "ami-0a1b2c3d4e5f60001", "flavor": "t3.micro",
		"ssh_from": "203.0.113.7/32", "tags": {"team": "data"}, "wait": "running", "idempotency_key": "morning-1"}`
	var first, again api.VMsCreated
	_ = json.Unmarshal([]byte(call("POST", "/api/v1/vms", create, 200)), &first)
	_ = json.Unmarshal([]byte(call("POST", "/api/v1/vms", create, 200)), &again)
	ids := func(c api.VMsCreated) (out []string) {
		for _, vm := range c.VMs {
			out = append(out, vm.ID)
		}
		return out
	}
	if len(first.VMs) != 2 || !slices.Equal(ids(first), ids(again)) || ec2.Calls("RunInstances") != 2 {
		t.Fatalf("the same key made %v, then %v, in %d RunInstances", ids(first), ids(again), ec2.Calls("RunInstances"))
	}
	if first.VMs[0].State != model.VMRunning {
		t.Errorf("waited for running, got %s", first.VMs[0].State)
	}

	out := call("GET", "/api/v1/vms?connection=lab&state=running&tag=team=data", "", 200)
	for _, want := range []string{
		`"name":"` + first.VMs[0].Name + `"`, `"cost_per_hour":0.0104`, `"cost_unit":"USD"`,
		`"forgotten":false`, `"age_seconds":`, `"knowledge_age_seconds":`, `"refreshes":[`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %s:\n%s", want, out)
		}
	}
	if out := call("GET", "/api/v1/vms?q=nothing-matches", "", 200); !strings.Contains(out, `"vms":[]`) {
		t.Errorf("a filter matching nothing = %s", out)
	}
	if out := call("GET", "/api/v1/vms?state=on", "", 422); !strings.Contains(out, "running, stopping") {
		t.Errorf("an unknown state = %s", out)
	}

	one := call("GET", "/api/v1/vms/lab/"+first.VMs[0].ID, "", 200)
	if !strings.Contains(one, "created by meshflow for the API") {
		t.Errorf("detail lacks its history:\n%s", one)
	}
	call("GET", "/api/v1/vms/no-such-vm", "", 404)

	// The other connection sees the same cloud: now two VMs share a name.
	call("POST", "/api/v1/vms/refresh", "{}", 200)
	name := first.VMs[0].Name
	if out := call("POST", "/api/v1/vms/actions", `{"action": "stop", "names": ["`+name+`"]}`, 409); !strings.Contains(out, "lab-copy "+first.VMs[0].ID) {
		t.Errorf("an ambiguous name = %s", out)
	}
	call("POST", "/api/v1/vms/actions", `{"action": "explode", "refs": ["lab/`+first.VMs[0].ID+`"]}`, 422)
	call("POST", "/api/v1/vms/actions", `{"action": "stop", "vms": ["x"]}`, 400)

	var acted api.VMsActed
	_ = json.Unmarshal([]byte(call("POST", "/api/v1/vms/actions", `{"action": "stop", "connection": "lab", "tags": {"team": "data"}, "wait": true}`, 200)), &acted)
	if len(acted.Results) != 2 {
		t.Fatalf("stop by tag acted on %+v", acted.Results)
	}
	for _, r := range acted.Results {
		if r.Error != "" || r.VM.State != model.VMStopped {
			t.Errorf("stop of %s: %s %q", r.VM.Name, r.VM.State, r.Error)
		}
	}

	events, err := a.Store.AuditEvents(ctx, model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		if strings.HasPrefix(e.Action, "vm.") {
			got = append(got, fmt.Sprintf("%s %s %s", e.Source, e.Action, e.Outcome))
		}
	}
	slices.Reverse(got)
	want := []string{"api vm.create done", "api vm.create done", "api vm.refresh done", "api vm.stop refused", "api vm.stop done"}
	if !slices.Equal(got, want) {
		t.Errorf("audit log =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(seen.String(), apiCanary) {
		t.Error("an answer holds the connection's secret")
	}
}

// The changes that take an argument, a VM's console and labels, and a
// connection's catalog through the REST API: the argument goes by name,
// one left out is refused before any VM is touched, each change is
// audited as the API's, and no answer holds the connection's secret.
func TestVMChangesThroughTheAPI(t *testing.T) {
	_, a, client := serveAPIForTest(t)
	ctx := t.Context()
	ec2 := ec2fake.New(ec2fake.Options{AccessKeyID: "AKIAAPI"})
	t.Cleanup(ec2.Close)
	if _, err := client.Connections().Add(ctx, model.Connection{
		Name: "lab", Kind: model.CloudAWS, Active: true,
		Settings: map[string]string{"region": "us-east-1", "access_key_id": "AKIAAPI", "endpoint": ec2.URL},
		Secrets:  map[string]string{"secret_access_key": apiCanary},
	}); err != nil {
		t.Fatal(err)
	}
	var seen strings.Builder
	call := func(method, path, body string, want int) string {
		t.Helper()
		status, out := apiCall(t, client, method, path, body)
		seen.WriteString(out)
		if status != want {
			t.Fatalf("%s %s = %d %s, want %d", method, path, status, out, want)
		}
		return out
	}
	var made api.VMsCreated
	_ = json.Unmarshal([]byte(call("POST", "/api/v1/vms", `{"connection": "lab", "names": ["box"], "image": "ami-0a1b2c3d4e5f60001",
		"flavor": "t3.micro", "ssh_from": "203.0.113.7/32"}`, 200)), &made)
	if len(made.VMs) != 1 {
		t.Fatalf("create made %+v", made.VMs)
	}
	ref := "lab/" + made.VMs[0].ID

	if out := call("POST", "/api/v1/vms/actions", `{"action": "resize", "names": ["box"]}`, 422); !strings.Contains(out, "the flavor") {
		t.Errorf("a resize with no flavor = %s", out)
	}
	if out := call("POST", "/api/v1/vms/actions", `{"action": "resize", "names": ["box"], "flavor": "t3.large"}`, 200); !strings.Contains(out, "stop it first") {
		t.Errorf("a resize of a running VM = %s", out)
	}
	call("POST", "/api/v1/vms/actions", `{"action": "stop", "names": ["box"], "wait": true}`, 200)
	var acted api.VMsActed
	_ = json.Unmarshal([]byte(call("POST", "/api/v1/vms/actions", `{"action": "resize", "names": ["box"], "flavor": "t3.large", "wait": true}`, 200)), &acted)
	if len(acted.Results) != 1 || acted.Results[0].Error != "" || acted.Results[0].VM.Flavor != "t3.large" {
		t.Errorf("resize of a stopped VM = %+v", acted.Results)
	}

	ec2.SetConsoleOutput(made.VMs[0].ID, "boot\nlogin: \n")
	if out := call("GET", "/api/v1/vms/"+ref+"/console?bytes=9", "", 200); !strings.Contains(out, `"output":"login: \n"`) {
		t.Errorf("console = %s", out)
	}
	call("GET", "/api/v1/vms/"+ref+"/console?bytes=lots", "", 422)
	if out := call("PUT", "/api/v1/vms/"+ref+"/labels", `{"labels": {"team": "data", "meshflow-group": "etl"}}`, 200); !strings.Contains(out, `"labels":{"meshflow-group":"etl","team":"data"}`) {
		t.Errorf("labels = %s", out)
	}
	if out := call("GET", "/api/v1/vms?tag=team=data", "", 200); !strings.Contains(out, `"name":"box"`) {
		t.Errorf("the labelled VM is not listed by its label: %s", out)
	}
	call("PUT", "/api/v1/vms/"+ref, `{}`, 404)

	out := call("GET", "/api/v1/connections/lab/catalog?q=t3.large", "", 200)
	if !strings.Contains(out, `"name":"t3.large"`) || strings.Contains(out, `"name":"t3.micro"`) || !strings.Contains(out, `"images":`) {
		t.Errorf("catalog filtered by t3.large = %s", out)
	}
	call("GET", "/api/v1/connections/nope/catalog", "", 404)

	events, err := a.Store.AuditEvents(ctx, model.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		if strings.HasPrefix(e.Action, "vm.") {
			got = append(got, fmt.Sprintf("%s %s %s", e.Source, e.Action, e.Outcome))
		}
	}
	slices.Reverse(got)
	want := []string{"api vm.create done", "api vm.resize refused", "api vm.resize refused", "api vm.stop done", "api vm.resize done", "api vm.label done", "api vm.label refused"}
	if !slices.Equal(got, want) {
		t.Errorf("audit log =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(seen.String(), apiCanary) {
		t.Error("an answer holds the connection's secret")
	}
}

// POST /api/v1/connections/import: a dry run says what Cloudmesh's file
// would add and skip, and why, importing nothing; the import then adds
// them, a second updates them, and no answer holds one of the file's
// secrets.
func TestConnectionImportThroughTheAPI(t *testing.T) {
	_, a, client := serveAPIForTest(t)
	data, err := os.ReadFile("../testdata/import/cloudmesh/cloudmesh.yaml")
	if err != nil {
		t.Fatal(err)
	}
	file, _ := json.Marshal(string(data))
	body := func(dry bool) string {
		return fmt.Sprintf(`{"files": [{"name": "cloudmesh.yaml", "content": %s}], "dry_run": %v}`, file, dry)
	}
	var seen strings.Builder
	call := func(b string, want int) string {
		t.Helper()
		status, out := apiCall(t, client, "POST", "/api/v1/connections/import", b)
		seen.WriteString(out)
		if status != want {
			t.Fatalf("import = %d %s, want %d", status, out, want)
		}
		return out
	}
	var plan api.ImportPlan
	_ = json.Unmarshal([]byte(call(body(true), 200)), &plan)
	if len(plan.Add) == 0 || len(plan.Update) != 0 || len(plan.Skip) == 0 || plan.Skip[0].Reason == "" {
		t.Errorf("dry run = %+v", plan)
	}
	if list, _ := a.Connections().List(t.Context()); len(list) != 0 {
		t.Fatalf("a dry run imported %d connections", len(list))
	}
	var done, again struct{ Added, Updated []string }
	_ = json.Unmarshal([]byte(call(body(false), 200)), &done)
	_ = json.Unmarshal([]byte(call(body(false), 200)), &again)
	if len(done.Added) != len(plan.Add) || len(again.Added) != 0 || len(again.Updated) != len(plan.Add) {
		t.Errorf("import added %v, then added %v and updated %v; the dry run planned %d", done.Added, again.Added, again.Updated, len(plan.Add))
	}
	call(`{"files": []}`, 400)
	if strings.Contains(seen.String(), "CANARY-") {
		t.Error("an answer holds a secret of the file")
	}
	events, err := a.Store.AuditEvents(t.Context(), model.AuditFilter{Action: model.ActionConnectionImport, Limit: 10})
	if err != nil || len(events) != 2 || !strings.Contains(events[0].Target.ID, done.Added[0]) {
		t.Errorf("audit of the imports = %+v, %v", events, err)
	}
}
