package openstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gophercloud/gophercloud/v2"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// fail turns what gophercloud returned into a cloud.Error in the cloud's
// own words: the fault name and message of Nova's and Keystone's bodies,
// Neutron's type and message, or the text of Glance's plain answers.
func (p *Provider) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	e := &cloud.Error{Kind: model.CloudOpenStack, Connection: p.conn, Op: op, Err: err}
	// A failed renewal carries the renewal's own refusal, which is the
	// one that matters (wrong password since), but does not unwrap to it.
	var reauth *gophercloud.ErrUnableToReauthenticate
	if errors.As(err, &reauth) {
		err = reauth.ErrReauth
	}
	if code, ok := responseCode(err); ok {
		e.Code, e.Message = cloudWords(code.Actual, code.Body)
		e.Is = kindOf(code.Actual)
		return e.Hide(p.secrets...)
	}
	e.Message = err.Error()
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	case isTransport(err):
		e.Is = model.ErrUnavailable
	default:
		// gophercloud's own checks before any request: a missing domain,
		// a missing field.
		e.Is = model.ErrInvalid
	}
	return e.Hide(p.secrets...)
}

// invalid is a refusal meshflow makes before asking the cloud.
func (p *Provider) invalid(op, msg string) error {
	return &cloud.Error{Kind: model.CloudOpenStack, Connection: p.conn, Op: op, Message: msg, Is: model.ErrInvalid}
}

// notFound says that a name the user gave matches nothing in the cloud.
func (p *Provider) notFound(op, msg string) error {
	return &cloud.Error{Kind: model.CloudOpenStack, Connection: p.conn, Op: op, Message: msg, Is: model.ErrNotFound}
}

func responseCode(err error) (gophercloud.ErrUnexpectedResponseCode, bool) {
	var v gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &v) {
		return v, true
	}
	var ptr *gophercloud.ErrUnexpectedResponseCode
	if errors.As(err, &ptr) && ptr != nil {
		return *ptr, true
	}
	return v, false
}

// isTransport reports a request that got no answer: http.Client wraps
// every such failure in a *url.Error.
func isTransport(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue)
}

// kindOf is the model's error kind for an HTTP status.
func kindOf(status int) error {
	switch status {
	case http.StatusNotFound:
		return model.ErrNotFound
	case http.StatusConflict:
		return model.ErrConflict
	case http.StatusRequestEntityTooLarge, http.StatusTooManyRequests,
		http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return model.ErrUnavailable
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		return model.ErrInvalid
	}
	return nil
}

// cloudWords reads an error body: Nova's {"itemNotFound": {"code": 404,
// "message": …}}, Keystone's {"error": {"title": …, "message": …}},
// Neutron's {"NeutronError": {"type": …, "message": …}}; anything else
// (Glance answers text) is quoted, tags stripped.
func cloudWords(status int, body []byte) (code, msg string) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil && len(top) == 1 {
		for name, raw := range top {
			var f struct {
				Message string `json:"message"`
				Title   string `json:"title"`
				Type    string `json:"type"`
			}
			if json.Unmarshal(raw, &f) != nil {
				var s string
				if json.Unmarshal(raw, &s) == nil && s != "" {
					return name, s // old Neutron: {"NeutronError": "…"}
				}
				continue
			}
			switch {
			case f.Type != "":
				name = f.Type
			case name == "error" && f.Title != "":
				name = f.Title
			}
			if f.Message != "" {
				return name, f.Message
			}
		}
	}
	text := strings.Join(strings.Fields(tags.ReplaceAllString(string(body), " ")), " ")
	if len(text) > 300 {
		text = text[:300] + "…"
	}
	return "HTTP " + strconv.Itoa(status), text
}

var tags = regexp.MustCompile(`<[^>]*>`)

// Retrying. Rate-limited requests (429, or 413 with Retry-After as older
// Nova rate limits answer) were refused before anything happened, so any
// of them is retried; a 5xx may come after the work was done, so only a
// request that is safe to repeat (GET, PUT, DELETE) retries it. A create
// that fails is retried by the inventory, with its token.
const (
	maxRetries = 5
	firstWait  = 250 * time.Millisecond
	longest    = 20 * time.Second
)

// backoff is gophercloud's RetryBackoffFunc, called on 429.
func backoff(ctx context.Context, resp *gophercloud.ErrUnexpectedResponseCode, _ error, n uint) error {
	return wait(ctx, *resp, n)
}

// retry is gophercloud's RetryFunc, called on every other failure.
func retry(ctx context.Context, method, _ string, _ *gophercloud.RequestOpts, err error, n uint) error {
	resp, ok := responseCode(err)
	if !ok || n > maxRetries {
		return err
	}
	retryable := false
	switch resp.Actual {
	case http.StatusRequestEntityTooLarge:
		retryable = resp.ResponseHeader.Get("Retry-After") != ""
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		retryable = method == http.MethodGet || method == http.MethodPut || method == http.MethodDelete || method == http.MethodHead
	}
	if !retryable {
		return err
	}
	return wait(ctx, resp, n)
}

// wait sleeps for the cloud's Retry-After, or an exponential backoff with
// jitter when it gives none; nil means try again.
func wait(ctx context.Context, resp gophercloud.ErrUnexpectedResponseCode, n uint) error {
	d := firstWait << min(n-1, 10)
	d = d/2 + rand.N(d/2+1) //nolint:gosec // jitter, not secrecy
	if s := resp.ResponseHeader.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(s); err == nil {
			d = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			d = time.Until(t)
		}
	}
	d = min(max(d, 0), longest)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w (stopped retrying: %w)", resp, ctx.Err())
	case <-t.C:
		return nil
	}
}

// conflict says that the thing is not in a state meshflow can act on.
func (p *Provider) conflict(op, msg string) error {
	return &cloud.Error{Kind: model.CloudOpenStack, Connection: p.conn, Op: op, Message: msg, Is: model.ErrConflict}
}
