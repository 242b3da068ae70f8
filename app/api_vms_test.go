package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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
