package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/dag"
)

// HTTP makes one HTTP request and checks its status. Its outputs are the
// status, the body (when small) and values picked from a JSON body.
type HTTP struct{ Client *http.Client }

var _ Op = HTTP{}

// maxHTTPBody bounds how much of a response body is read.
const maxHTTPBody = 1 << 20

func (HTTP) Spec() dag.OpSpec {
	return dag.OpSpec{
		Name:        "http",
		Description: "Sends an HTTP request and checks the response status.",
		Args: []dag.ArgSpec{
			{Name: "url", Type: dag.ArgString, Required: true, Description: "The URL to request."},
			{
				Name: "method", Type: dag.ArgString, Description: "GET (default), POST, PUT, PATCH, DELETE or HEAD.",
				Enum: []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"},
			},
			{Name: "headers", Type: dag.ArgMap, Description: "Request headers."},
			{Name: "body", Type: dag.ArgString, Description: "Request body."},
			{Name: "expect_status", Type: dag.ArgInt, Description: "The status that counts as success; default any 2xx."},
			{Name: "outputs", Type: dag.ArgMap, Description: "Output name → dotted path into the JSON response, e.g. data.id."},
		},
		AnyOutputs: true, // status and body, plus the names listed in outputs
	}
}

func (h HTTP) Run(ctx context.Context, t *Task) (map[string]string, error) {
	req, err := h.request(ctx, t.Args)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(t.Log, "%s %s\n", req.Method, req.URL.Redacted())
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHTTPBody))
	if err != nil {
		return nil, fmt.Errorf("http: read response: %w", err)
	}
	fmt.Fprintf(t.Log, "%s, %d bytes\n", resp.Status, len(body))
	if err := checkStatus(t.Args, resp.StatusCode); err != nil {
		_, _ = t.Log.Write(append(body, '\n'))
		return nil, err
	}
	return httpOutputs(t.Args, resp.StatusCode, body)
}

func (HTTP) request(ctx context.Context, args map[string]any) (*http.Request, error) {
	url, err := argString(args, "url")
	if err != nil {
		return nil, err
	}
	method, err := argString(args, "method")
	if err != nil {
		return nil, err
	}
	if method == "" {
		method = http.MethodGet
	}
	body, err := argString(args, "body")
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, strings.ToUpper(method), url, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("http: %w", err)
	}
	headers, err := argStringMap(args, "headers")
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req, nil
}

func checkStatus(args map[string]any, status int) error {
	want, err := argInt(args, "expect_status", 0)
	if err != nil {
		return err
	}
	if want == 0 && status >= 200 && status < 300 {
		return nil
	}
	if want == status {
		return nil
	}
	if want == 0 {
		return fmt.Errorf("http: status %d, want a 2xx status (set with.expect_status to accept another)", status)
	}
	return fmt.Errorf("http: status %d, want %d", status, want)
}

// httpOutputs are status, body (up to 64 KiB) and the JSON values named by
// with.outputs.
func httpOutputs(args map[string]any, status int, body []byte) (map[string]string, error) {
	out := map[string]string{"status": strconv.Itoa(status)}
	if len(body) <= 64*1024 {
		out["body"] = string(body)
	}
	paths, err := argStringMap(args, "outputs")
	if err != nil || len(paths) == 0 {
		return out, err
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("http: with.outputs needs a JSON response: %w", err)
	}
	for name, path := range paths {
		v, ok := lookupJSON(doc, path)
		if !ok {
			return nil, fmt.Errorf("http: with.outputs.%s: the response has no %s", name, path)
		}
		out[name] = v
	}
	return out, nil
}

// lookupJSON follows a dotted path (numbers index arrays) into a decoded
// JSON document; strings come back as they are, anything else as JSON.
func lookupJSON(doc any, path string) (string, bool) {
	for _, part := range strings.Split(path, ".") {
		switch node := doc.(type) {
		case map[string]any:
			v, ok := node[part]
			if !ok {
				return "", false
			}
			doc = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(node) {
				return "", false
			}
			doc = node[i]
		default:
			return "", false
		}
	}
	if s, ok := doc.(string); ok {
		return s, true
	}
	b, _ := json.Marshal(doc)
	return string(b), true
}
