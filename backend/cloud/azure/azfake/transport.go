package azfake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	computefake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v8/fake"
	networkfake "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v9/fake"
)

var _ policy.Transporter = (*Cloud)(nil)

// opParam marks the requests of one pager or poller. The SDK's fake
// servers track pagers and pollers by URL path alone, so two Lists at once
// would share pages, and a poller the client abandoned (Start returns once
// Azure accepts) would answer the next Start on the same VM. Each pager
// and poller therefore gets its own fake server transport, found again by
// this query parameter, which the SDK carries into next links and polling
// URLs.
const opParam = "mfop"

// op is one pager or poller in flight.
type op struct {
	tr  policy.Transporter
	due time.Time // a poller answers InProgress until then
}

type opKey struct{}

// Do serves one request of the ARM clients: counts it, waits the latency,
// throttles, holds pollers until their operation is due, and turns the
// fake servers' errors into the ARM error bodies a real response carries.
func (c *Cloud) Do(req *http.Request) (*http.Response, error) {
	api, _ := req.Context().Value(runtime.CtxAPINameKey{}).(string)
	c.mu.Lock()
	c.calls[api]++
	latency := c.latency
	throttled := c.throttle > 0
	if throttled {
		c.throttle--
	}
	retryAfter := c.retryAfter
	c.mu.Unlock()

	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-req.Context().Done():
			return nil, req.Context().Err()
		}
	}
	if throttled {
		return throttledResponse(req, retryAfter), nil
	}

	o, due, err := c.opFor(req, api)
	if err != nil {
		return nil, err
	}
	if isPoll(req) && c.now().Before(due) {
		return inProgress(req), nil
	}
	resp, err := o.tr.Do(req.WithContext(contextWith(req, o)))
	var ae *armError
	if errors.As(err, &ae) {
		c.dropOp(req)
		return ae.response(req), nil
	}
	if err != nil {
		return nil, err
	}
	c.finishOp(req, resp)
	return resp, nil
}

// opFor returns the operation a request belongs to: the one its mfop
// parameter names, or a new one for the first request of a pager or a
// long-running operation, or a throwaway for a plain call.
func (c *Cloud) opFor(req *http.Request, api string) (*op, time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id := req.URL.Query().Get(opParam); id != "" {
		if o, ok := c.ops[id]; ok {
			return o, o.due, nil
		}
		return nil, time.Time{}, fmt.Errorf("azfake: %s: no operation %s in flight", api, id)
	}
	o := &op{tr: c.serverTransport(api)}
	if strings.Contains(api, ".Begin") || strings.Contains(api, ".New") {
		c.opSeq++
		id := strconv.Itoa(c.opSeq)
		q := req.URL.Query()
		q.Set(opParam, id)
		req.URL.RawQuery = q.Encode()
		c.ops[id] = o
	}
	return o, time.Time{}, nil
}

// finishOp forgets a pager after its last page and a poller after its
// terminal answer.
func (c *Cloud) finishOp(req *http.Request, resp *http.Response) {
	if req.URL.Query().Get(opParam) == "" {
		return
	}
	done := false
	if s := resp.Header.Get("Fake-Poller-Status"); s != "" {
		done = s != "InProgress"
	} else if resp.Body != nil && resp.Body != http.NoBody {
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		done = !bytes.Contains(body, []byte(`"nextLink"`))
	}
	if done {
		c.dropOp(req)
	}
}

func (c *Cloud) dropOp(req *http.Request) {
	if id := req.URL.Query().Get(opParam); id != "" {
		c.mu.Lock()
		delete(c.ops, id)
		c.mu.Unlock()
	}
}

// serverTransport builds the SDK fake server for the client that api
// belongs to, wired to this cloud's state.
func (c *Cloud) serverTransport(api string) policy.Transporter {
	client, _, _ := strings.Cut(api, ".")
	switch client {
	case "VirtualMachinesClient", "VirtualMachineSizesClient", "DisksClient":
		return computefake.NewServerFactoryTransport(&computefake.ServerFactory{
			VirtualMachinesServer:     c.virtualMachinesServer(),
			VirtualMachineSizesServer: c.virtualMachineSizesServer(),
			DisksServer:               c.disksServer(),
		})
	}
	return networkfake.NewServerFactoryTransport(&networkfake.ServerFactory{
		InterfacesServer:        c.interfacesServer(),
		PublicIPAddressesServer: c.publicIPAddressesServer(),
		SecurityGroupsServer:    c.securityGroupsServer(),
		VirtualNetworksServer:   c.virtualNetworksServer(),
		SubnetsServer:           c.subnetsServer(),
	})
}

func isPoll(req *http.Request) bool {
	return req.Method == http.MethodGet && strings.HasSuffix(req.URL.Path, "/get/fake/status")
}

func contextWith(req *http.Request, o *op) context.Context {
	return context.WithValue(req.Context(), opKey{}, o)
}

// inProgress is the answer to a poll before the operation is due.
func inProgress(req *http.Request) *http.Response {
	resp := newResponse(req, http.StatusAccepted, nil)
	resp.Header.Set("Fake-Poller-Status", "InProgress")
	return resp
}

// throttledResponse is ARM's answer when a subscription is over its
// request budget.
func throttledResponse(req *http.Request, after time.Duration) *http.Response {
	resp := (&armError{
		Status:  http.StatusTooManyRequests,
		Code:    "TooManyRequests",
		Message: "The request is being throttled as the limit has been reached for operation type - Read_30Min.",
	}).response(req)
	resp.Header.Set("Retry-After", strconv.Itoa(int(math.Ceil(after.Seconds()))))
	if after < time.Second {
		// ARM's header is in whole seconds; this one, which azcore
		// prefers, lets tests retry sooner.
		resp.Header.Set("Retry-After-Ms", strconv.FormatInt(after.Milliseconds(), 10))
	}
	return resp
}

// armError is an error as ARM puts it on the wire: a status, and a body
// of {"error": {"code", "message"}}.
type armError struct {
	Status  int
	Code    string
	Message string
}

func (e *armError) Error() string { return e.Code + ": " + e.Message }

func (e *armError) response(req *http.Request) *http.Response {
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
	resp := newResponse(req, e.Status, body)
	resp.Header.Set("x-ms-error-code", e.Code)
	return resp
}

func newResponse(req *http.Request, status int, body []byte) *http.Response {
	resp := &http.Response{
		Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode: status,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Request:    req,
		Body:       http.NoBody,
	}
	if body != nil {
		resp.Header.Set("Content-Type", "application/json; charset=utf-8")
		resp.ContentLength = int64(len(body))
		resp.Body = io.NopCloser(bytes.NewReader(body))
	}
	return resp
}
