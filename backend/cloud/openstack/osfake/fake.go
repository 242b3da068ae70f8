// Package osfake is an OpenStack cloud in a test process: Keystone v3,
// Nova, Neutron and Glance on one httptest server, speaking the documented
// wire format (token catalog, marker pagination with next links, 202 for
// server actions, Nova's and Neutron's error bodies) with servers whose
// state moves on after a delay, as a real cloud's do.
//
// It is the peer the openstack adapter's tests and the inventory's
// benchmarks run against; nothing in it knows about meshflow.
package osfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The identity every fake cloud starts with.
const (
	Username      = "demo"
	Password      = "secret"
	UserID        = "u-0001"
	DomainName    = "Default"
	DomainID      = "default"
	ProjectName   = "demo"
	ProjectID     = "p-0001"
	Region        = "RegionOne"
	ExternalNet   = "public"
	PrivateNet    = "private"
	DefaultFlavor = "m1.small"
	DefaultImage  = "ubuntu-24.04"
)

// Cloud is one fake OpenStack cloud. Its zero value is not usable: call New.
type Cloud struct {
	srv *httptest.Server

	mu         sync.Mutex
	now        func() time.Time
	latency    time.Duration
	buildTime  time.Duration
	actionTime time.Duration
	maxLimit   int // Nova's [api]max_limit and Glance's api_limit_max
	tokenTTL   time.Duration

	throttleN      int
	throttleStatus int
	retryAfter     string
	lose           map[string]bool // route patterns whose next answer is lost
	calls          map[string]int

	password  string
	appCreds  map[string]string // id → secret
	tokens    map[string]time.Time
	seq       int
	servers   map[string]*server
	flavors   []flavor
	keypairs  map[string]keypair
	networks  []network
	ports     map[string]*port
	groups    map[string]*secGroup
	floatings map[string]*floatingIP
	images    []image
}

// New starts a fake cloud with one private and one external network, a
// handful of flavors and images, and no servers. Close it when done.
func New() *Cloud {
	c := &Cloud{
		now:        time.Now,
		buildTime:  50 * time.Millisecond,
		actionTime: 50 * time.Millisecond,
		maxLimit:   1000,
		tokenTTL:   time.Hour,
		lose:       map[string]bool{},
		calls:      map[string]int{},
		password:   Password,
		appCreds:   map[string]string{},
		tokens:     map[string]time.Time{},
		servers:    map[string]*server{},
		keypairs:   map[string]keypair{},
		ports:      map[string]*port{},
		groups:     map[string]*secGroup{},
		floatings:  map[string]*floatingIP{},
	}
	c.seedCatalog()
	mux := http.NewServeMux()
	c.routeKeystone(mux)
	c.routeNova(mux)
	c.routeNeutron(mux)
	c.routeGlance(mux)
	c.srv = httptest.NewServer(mux)
	return c
}

// Close stops the server.
func (c *Cloud) Close() { c.srv.Close() }

// URL is the server's root, without a trailing slash.
func (c *Cloud) URL() string { return c.srv.URL }

// AuthURL is the Keystone v3 endpoint clients authenticate at.
func (c *Cloud) AuthURL() string { return c.srv.URL + "/v3" }

// Client is an HTTP client for the server.
func (c *Cloud) Client() *http.Client { return c.srv.Client() }

// SetPassword changes the demo user's password.
func (c *Cloud) SetPassword(pw string) { c.mu.Lock(); c.password = pw; c.mu.Unlock() }

// AddApplicationCredential lets id and secret authenticate as the demo
// user, scoped to the demo project, as Keystone's application credentials
// are.
func (c *Cloud) AddApplicationCredential(id, secret string) {
	c.mu.Lock()
	c.appCreds[id] = secret
	c.mu.Unlock()
}

// ExpireTokens makes every token issued so far invalid, as their expiry
// would: the next request with one gets Keystone's 401.
func (c *Cloud) ExpireTokens() {
	c.mu.Lock()
	clear(c.tokens)
	c.mu.Unlock()
}

// SetClock makes the cloud read time from now; state changes that wait on
// a delay happen when now says they are due.
func (c *Cloud) SetClock(now func() time.Time) { c.mu.Lock(); c.now = now; c.mu.Unlock() }

// SetDelays sets how long a server takes to build and how long an action
// (stop, resize, delete …) takes to finish.
func (c *Cloud) SetDelays(build, action time.Duration) {
	c.mu.Lock()
	c.buildTime, c.actionTime = build, action
	c.mu.Unlock()
}

// SetLatency delays every answer by d, as a distant cloud would.
func (c *Cloud) SetLatency(d time.Duration) { c.mu.Lock(); c.latency = d; c.mu.Unlock() }

// SetMaxLimit sets the most items one page holds (Nova's max_limit,
// Glance's api_limit_max); 1000 by default, as both ship.
func (c *Cloud) SetMaxLimit(n int) { c.mu.Lock(); c.maxLimit = n; c.mu.Unlock() }

// Throttle answers the next n requests to Nova, Neutron or Glance with
// status (429 or 503) and a Retry-After of retryAfter seconds.
func (c *Cloud) Throttle(n, status, retryAfter int) {
	c.mu.Lock()
	c.throttleN, c.throttleStatus, c.retryAfter = n, status, strconv.Itoa(retryAfter)
	c.mu.Unlock()
}

// LoseNextResponse makes the next request matching route (a pattern such
// as "POST /compute/v2.1/servers") take effect and then drops the
// connection before the answer: the client sees a network error although
// the cloud did the work.
func (c *Cloud) LoseNextResponse(route string) { c.mu.Lock(); c.lose[route] = true; c.mu.Unlock() }

// Calls counts the requests that reached route (a pattern such as
// "POST /v3/auth/tokens" or "GET /compute/v2.1/servers/detail"),
// throttled ones included.
func (c *Cloud) Calls(route string) int { c.mu.Lock(); defer c.mu.Unlock(); return c.calls[route] }

// handle registers fn for pattern, with the latency, counting, throttling,
// token checking and response losing every route shares.
func (c *Cloud) handle(mux *http.ServeMux, pattern string, authenticated bool, fn http.HandlerFunc) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.calls[pattern]++
		latency := c.latency
		throttled := authenticated && c.throttleN > 0
		status, retryAfter := c.throttleStatus, c.retryAfter
		if throttled {
			c.throttleN--
		}
		lose := c.lose[pattern]
		delete(c.lose, pattern)
		valid := !authenticated || c.validToken(r.Header.Get("X-Auth-Token"))
		c.mu.Unlock()

		if latency > 0 {
			time.Sleep(latency)
		}
		switch {
		case throttled:
			w.Header().Set("Retry-After", retryAfter)
			if status == http.StatusTooManyRequests {
				writeJSON(w, status, fault("overLimit", status, "This request was rate-limited."))
			} else {
				writeJSON(w, status, keystoneError(status, "Service Unavailable", "The server is currently unavailable. Please try again at a later time."))
			}
		case !valid:
			writeJSON(w, http.StatusUnauthorized, keystoneError(401, "Unauthorized", "The request you have made requires authentication."))
		case lose:
			fn(httptest.NewRecorder(), r)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
			}
		default:
			fn(w, r)
		}
	})
}

func (c *Cloud) validToken(tok string) bool {
	exp, ok := c.tokens[tok]
	return ok && c.now().Before(exp)
}

// newID makes a UUID-shaped id, unique in this cloud and the same from run
// to run, so test failures read the same twice.
func (c *Cloud) newID(kind int) string {
	c.seq++
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", kind, c.seq)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// fault is Nova's error body: {"itemNotFound": {"code": 404, "message": …}}.
func fault(name string, code int, msg string) map[string]any {
	return map[string]any{name: map[string]any{"code": code, "message": msg}}
}

// keystoneError is the body Keystone (and keystonemiddleware in front of
// every service) answers with.
func keystoneError(code int, title, msg string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "title": title, "message": msg}}
}

// neutronError is Neutron's error body.
func neutronError(typ, msg string) map[string]any {
	return map[string]any{"NeutronError": map[string]any{"type": typ, "message": msg, "detail": ""}}
}

func decode(r *http.Request, v any) error {
	defer r.Body.Close()
	return json.NewDecoder(r.Body).Decode(v)
}

// page cuts items (already in the API's order) at marker and limit as Nova
// and Glance do: from after the item whose id is marker, at most limit
// (capped by max) items. more reports whether a next link belongs on the
// page: Nova adds one whenever the page is full.
func page[T any](items []T, id func(T) string, q map[string][]string, max int) (out []T, more bool, err error) {
	limit := max
	if v := first(q, "limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 0 {
			return nil, false, fmt.Errorf("limit param must be an integer")
		}
		limit = min(n, max)
	}
	start := 0
	if m := first(q, "marker"); m != "" {
		start = -1
		for i, it := range items {
			if id(it) == m {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, false, fmt.Errorf("marker [%s] not found", m)
		}
	}
	end := min(start+limit, len(items))
	return items[start:end], limit > 0 && end-start == limit, nil
}

func first(q map[string][]string, k string) string {
	if v := q[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// microversion is the compute API minor version the request asks for;
// 1 (2.1) when it names none.
func microversion(r *http.Request) int {
	v := r.Header.Get("X-OpenStack-Nova-API-Version")
	if v == "" {
		v = strings.TrimPrefix(r.Header.Get("OpenStack-API-Version"), "compute ")
	}
	if v == "latest" {
		return 96
	}
	if _, minor, ok := strings.Cut(v, "."); ok {
		if n, err := strconv.Atoi(minor); err == nil {
			return n
		}
	}
	return 1
}
