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

	"github.com/meshflow/meshflow/backend/model"
)

// Client speaks the API of a running meshflow.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Token   string
	HTTP    *http.Client
}

var _ Service = (*Client)(nil)

func (c *Client) DAGs(ctx context.Context) ([]DAG, error) {
	var out []DAG
	return out, c.do(ctx, http.MethodGet, "/api/v1/dags", nil, &out)
}

func (c *Client) Trigger(ctx context.Context, name string, params map[string]any, trigger model.Trigger) (model.Run, error) {
	var out model.Run
	return out, c.do(ctx, http.MethodPost, "/api/v1/dags/"+url.PathEscape(name)+"/runs", TriggerRequest{Params: params, Trigger: trigger}, &out)
}

func (c *Client) RunDetail(ctx context.Context, id int64) (RunDetail, error) {
	var out RunDetail
	return out, c.do(ctx, http.MethodGet, "/api/v1/runs/"+strconv.FormatInt(id, 10), nil, &out)
}

func (c *Client) Wait(ctx context.Context, id int64) (model.Run, error) {
	var out model.Run
	return out, c.do(ctx, http.MethodGet, "/api/v1/runs/"+strconv.FormatInt(id, 10)+"/wait", nil, &out)
}

func (c *Client) Control(ctx context.Context, id int64, action Action) error {
	return c.do(ctx, http.MethodPost, "/api/v1/runs/"+strconv.FormatInt(id, 10)+"/"+string(action), struct{}{}, nil)
}

func (c *Client) SetPaused(ctx context.Context, name string, paused bool) error {
	verb := "unpause"
	if paused {
		verb = "pause"
	}
	return c.do(ctx, http.MethodPost, "/api/v1/dags/"+url.PathEscape(name)+"/"+verb, struct{}{}, nil)
}

// do sends one request and decodes the answer into out. API errors come
// back with their message, wrapped in ErrNotFound or ErrInvalid when the
// status says so.
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
		switch resp.StatusCode {
		case http.StatusNotFound:
			return fmt.Errorf("%s: %w", e.Error, ErrNotFound)
		case http.StatusBadRequest:
			return fmt.Errorf("%s: %w", e.Error, ErrInvalid)
		}
		return errors.New(e.Error)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
