package osfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// call sends a raw request, as any OpenStack client would, and decodes the
// JSON answer.
func call(t *testing.T, c *Cloud, method, path, token, mv string, body any) (int, http.Header, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = c.URL() + path
	}
	req, _ := http.NewRequest(method, url, &buf)
	req.Header.Set("X-Auth-Token", token)
	if mv != "" {
		req.Header.Set("X-OpenStack-Nova-API-Version", mv)
	}
	resp, err := c.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

func token(t *testing.T, c *Cloud) string {
	t.Helper()
	auth := map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"name": Username, "domain": map[string]any{"name": DomainName}, "password": Password},
		}},
		"scope": map[string]any{"project": map[string]any{"id": ProjectID}},
	}}
	status, h, body := call(t, c, "POST", "/v3/auth/tokens", "", "", auth)
	tok := h.Get("X-Subject-Token")
	if status != 201 || tok == "" {
		t.Fatalf("auth = %d %v", status, body)
	}
	var types []string
	for _, e := range body["token"].(map[string]any)["catalog"].([]any) {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	if strings.Join(types, ",") != "identity,compute,network,image" {
		t.Errorf("catalog types = %v", types)
	}
	return tok
}

func TestKeystoneRefusesAWrongPasswordAndUnknownTokens(t *testing.T) {
	c := New()
	defer c.Close()
	c.SetPassword("other")
	status, _, body := call(t, c, "POST", "/v3/auth/tokens", "", "", map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{
			"user": map[string]any{"id": UserID, "password": Password},
		}},
	}})
	if status != 401 || body["error"].(map[string]any)["title"] != "Unauthorized" {
		t.Errorf("wrong password = %d %v", status, body)
	}
	if status, _, _ := call(t, c, "GET", "/compute/v2.1/servers/detail", "forged", "", nil); status != 401 {
		t.Errorf("a forged token = %d, want 401", status)
	}
}

// TestNovaPagesAsDocumented: a next link on every full page, so a list
// that ends exactly on a page boundary takes one more, empty, page.
func TestNovaPagesAsDocumented(t *testing.T) {
	c := New()
	defer c.Close()
	tok := token(t, c)
	c.Seed(4)
	var sizes []int
	next := "/compute/v2.1/servers/detail?limit=2"
	for next != "" {
		status, _, body := call(t, c, "GET", next, tok, "2.47", nil)
		if status != 200 {
			t.Fatalf("GET %s = %d %v", next, status, body)
		}
		sizes = append(sizes, len(body["servers"].([]any)))
		next = ""
		if links, ok := body["servers_links"].([]any); ok {
			next = links[0].(map[string]any)["href"].(string)
		}
	}
	if len(sizes) != 3 || sizes[0] != 2 || sizes[1] != 2 || sizes[2] != 0 {
		t.Errorf("page sizes = %v, want [2 2 0]", sizes)
	}
	if status, _, body := call(t, c, "GET", "/compute/v2.1/servers/detail?marker=nope", tok, "", nil); status != 400 ||
		body["badRequest"].(map[string]any)["message"] != "marker [nope] not found" {
		t.Errorf("unknown marker = %d %v", status, body)
	}
}

func TestNovaChecksCreatesAndActionsAsDocumented(t *testing.T) {
	c := New()
	defer c.Close()
	tok := token(t, c)
	img := c.images[0].ID
	create := map[string]any{"server": map[string]any{"name": "a", "imageRef": img, "flavorRef": "2"}}
	if status, _, body := call(t, c, "POST", "/compute/v2.1/servers", tok, "2.47", create); status != 400 ||
		!strings.Contains(body["badRequest"].(map[string]any)["message"].(string), "'networks' is a required property") {
		t.Errorf("create without networks at 2.47 = %d %v", status, body)
	}
	status, _, body := call(t, c, "POST", "/compute/v2.1/servers", tok, "", create)
	if status != 202 {
		t.Fatalf("create at 2.1 = %d %v", status, body)
	}
	id := body["server"].(map[string]any)["id"].(string)
	status, _, body = call(t, c, "POST", "/compute/v2.1/servers/"+id+"/action", tok, "", map[string]any{"os-start": nil})
	want := "Cannot 'start' instance " + id + " while it is in vm_state building"
	if status != 409 || body["conflictingRequest"].(map[string]any)["message"] != want {
		t.Errorf("start while building = %d %v", status, body)
	}
	status, _, body = call(t, c, "GET", "/compute/v2.1/servers/"+id, tok, "2.1", nil)
	if flv := body["server"].(map[string]any)["flavor"].(map[string]any); status != 200 || flv["id"] != "2" || flv["original_name"] != nil {
		t.Errorf("at 2.1 the flavor is a link: %d %v", status, flv)
	}
}
