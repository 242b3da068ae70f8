package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/meshflow/meshflow/backend/httpstatus"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
)

// Client speaks the API of a running meshflow.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Token   string
	HTTP    *http.Client
	// Name is sent as ClientHeader: "cli/VERSION" makes the audit log
	// record this client's changes as the CLI's.
	Name string
}

var _ Service = (*Client)(nil)

func (c *Client) DAGs(ctx context.Context) ([]workflow.DAG, error) {
	var out []workflow.DAG
	return out, c.do(ctx, http.MethodGet, "/api/v1/dags", nil, &out)
}

func (c *Client) Trigger(ctx context.Context, name string, params map[string]any, trigger model.Trigger) (model.Run, error) {
	var out model.Run
	return out, c.do(ctx, http.MethodPost, "/api/v1/dags/"+url.PathEscape(name)+"/runs", TriggerRequest{Params: params, Trigger: trigger}, &out)
}

func (c *Client) DAG(ctx context.Context, name string) (workflow.DAG, error) {
	var out workflow.DAG
	return out, c.do(ctx, http.MethodGet, "/api/v1/dags/"+url.PathEscape(name), nil, &out)
}

func (c *Client) Runs(ctx context.Context, f model.RunFilter) ([]model.Run, error) {
	var out []model.Run
	q := url.Values{}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.BeforeID > 0 {
		q.Set("before", strconv.FormatInt(f.BeforeID, 10))
	}
	for _, s := range f.States {
		q.Add("state", string(s))
	}
	for _, t := range f.Triggers {
		q.Add("trigger", string(t))
	}
	if f.Tag != "" {
		q.Set("tag", f.Tag)
	}
	if !f.From.IsZero() {
		q.Set("from", f.From.UTC().Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		q.Set("to", f.To.UTC().Format(time.RFC3339Nano))
	}
	path := "/api/v1/runs"
	if f.DAG != "" {
		path = "/api/v1/dags/" + url.PathEscape(f.DAG) + "/runs"
	}
	return out, c.do(ctx, http.MethodGet, path+"?"+q.Encode(), nil, &out)
}

func (c *Client) RunDetail(ctx context.Context, id int64) (workflow.RunDetail, error) {
	var out workflow.RunDetail
	return out, c.do(ctx, http.MethodGet, runPath(id), nil, &out)
}

func (c *Client) Wait(ctx context.Context, id int64) (model.Run, error) {
	var out model.Run
	return out, c.do(ctx, http.MethodGet, runPath(id)+"/wait", nil, &out)
}

func (c *Client) Cancel(ctx context.Context, id int64) error {
	return c.do(ctx, http.MethodPost, runPath(id)+"/cancel", struct{}{}, nil)
}

func (c *Client) Retry(ctx context.Context, id int64, failedOnly bool) error {
	verb := "/retry"
	if failedOnly {
		verb = "/retry-failed"
	}
	return c.do(ctx, http.MethodPost, runPath(id)+verb, struct{}{}, nil)
}

func (c *Client) SetPaused(ctx context.Context, name string, paused bool) error {
	verb := "unpause"
	if paused {
		verb = "pause"
	}
	return c.do(ctx, http.MethodPost, "/api/v1/dags/"+url.PathEscape(name)+"/"+verb, struct{}{}, nil)
}

func runPath(id int64) string { return "/api/v1/runs/" + strconv.FormatInt(id, 10) }

// do sends one request and decodes the answer into out. API errors come
// back with the server's message, kinded with the model's error vocabulary
// as the status says, so callers test them as they would a local call's.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	if c.Name != "" {
		req.Header.Set(ClientHeader, c.Name)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("meshflow server at %s: %w", c.BaseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e Error
		_ = json.NewDecoder(resp.Body).Decode(&e)
		if e.Error == "" {
			e.Error = resp.Status
		}
		if kind := httpstatus.Kind(resp.StatusCode); kind != nil {
			return model.Errorf(kind, "%s", e.Error)
		}
		return errors.New(e.Error)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
