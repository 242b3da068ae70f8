// Package ec2fake is an in-memory EC2 that speaks the EC2 Query API over
// HTTP, so the aws adapter is tested through the real SDK client: form
// requests in, the XML the API reference documents out, with pagination,
// ClientToken idempotency, EC2's error codes and instance states that change
// over time. It also answers STS GetCallerIdentity at the same address.
package ec2fake

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options shape a Server. Zero values take the defaults noted.
type Options struct {
	Region    string // "us-east-1"
	AccountID string // "123456789012"
	// AccessKeyID, if set, is the only key the server accepts: requests
	// signed with another answer AuthFailure, as EC2 does.
	AccessKeyID string
	// Clock is the time the instances' states advance by (time.Now);
	// tests inject one they move by hand.
	Clock func() time.Time
	// How long pending→running, stopping→stopped and
	// shutting-down→terminated take (zero: instant), and how long a
	// terminated instance stays listed (one hour, as on EC2).
	BootTime, StopTime, TerminateTime, TerminatedTTL time.Duration
	// Latency is slept before answering each call, to stand in for the
	// network and the cloud in benchmarks.
	Latency time.Duration
	// NoSTS makes the server an EC2-compatible cloud without STS, which
	// answers GetCallerIdentity as an action it does not know.
	NoSTS bool
	// AfterEffect, if set, is called once a call has taken effect and
	// before it is answered: a crash test kills the client there, so that
	// the cloud made a VM meshflow never heard of.
	AfterEffect func(action string)
}

// Server is the fake EC2. Its URL is the endpoint to give the SDK.
type Server struct {
	*httptest.Server
	opts Options

	requests atomic.Int64

	mu        sync.Mutex
	seq       int
	calls     map[string]int
	throttle  int
	lose      map[string]int
	instances map[string]*instance
	tokens    map[string]*launch
	groups    map[string]*group
	subnets   map[string]*subnet
	addresses map[string]*address
	keys      map[string]*keyPair
	images    []image
	types     []instanceType
	consoles  map[string]string
}

// New starts a Server with one default VPC and subnet, its "default"
// security group, a few Amazon images and instance types.
func New(opts Options) *Server {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	if opts.TerminatedTTL == 0 {
		opts.TerminatedTTL = time.Hour
	}
	s := &Server{
		opts:      opts,
		calls:     map[string]int{},
		lose:      map[string]int{},
		instances: map[string]*instance{},
		tokens:    map[string]*launch{},
		groups:    map[string]*group{},
		subnets:   map[string]*subnet{},
		addresses: map[string]*address{},
		keys:      map[string]*keyPair{},
		consoles:  map[string]string{},
	}
	s.seedNetwork()
	s.seedCatalog()
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Throttle makes the next n calls, of any action, answer
// RequestLimitExceeded with HTTP 503, as EC2 does when an account's request
// rate is over its limit.
func (s *Server) Throttle(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle = n
}

// LoseResponses makes the next n calls of action take effect and then drop
// the connection before answering: the cloud did it, the client never
// heard. A create retried after that must find what the first one made.
func (s *Server) LoseResponses(action string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lose[action] = n
}

// Calls reports how many requests of action the server has received,
// throttled and lost ones included.
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// Requests reports how many HTTP requests the server has had, of every
// action and STS's too: each waited Options.Latency, so a benchmark can
// tell that time from the client's own.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// SetConsoleOutput sets what GetConsoleOutput answers for an instance.
func (s *Server) SetConsoleOutput(id, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consoles[id] = text
}

// apiError is an error EC2 answers with: an HTTP status, a code and a
// message.
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func clientError(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// handler answers one action with a response document (marshalled as
// XML) or an *apiError. It runs with s.mu held.
type handler func(s *Server, f form) (any, error)

var actions = map[string]handler{
	"DescribeInstances":             (*Server).describeInstances,
	"RunInstances":                  (*Server).runInstances,
	"StartInstances":                (*Server).startInstances,
	"StopInstances":                 (*Server).stopInstances,
	"TerminateInstances":            (*Server).terminateInstances,
	"RebootInstances":               (*Server).rebootInstances,
	"ModifyInstanceAttribute":       (*Server).modifyInstanceAttribute,
	"GetConsoleOutput":              (*Server).getConsoleOutput,
	"DescribeSecurityGroups":        (*Server).describeSecurityGroups,
	"CreateSecurityGroup":           (*Server).createSecurityGroup,
	"AuthorizeSecurityGroupIngress": (*Server).authorizeSecurityGroupIngress,
	"DescribeSubnets":               (*Server).describeSubnets,
	"DescribeVpcs":                  (*Server).describeVpcs,
	"AllocateAddress":               (*Server).allocateAddress,
	"AssociateAddress":              (*Server).associateAddress,
	"DisassociateAddress":           (*Server).disassociateAddress,
	"ReleaseAddress":                (*Server).releaseAddress,
	"DescribeAddresses":             (*Server).describeAddresses,
	"ImportKeyPair":                 (*Server).importKeyPair,
	"DescribeKeyPairs":              (*Server).describeKeyPairs,
	"DescribeImages":                (*Server).describeImages,
	"DescribeInstanceTypes":         (*Server).describeInstanceTypes,
	"DescribeRegions":               (*Server).describeRegions,
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Latency > 0 {
		time.Sleep(s.opts.Latency)
	}
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		writeEC2Error(w, "", clientError("InvalidAction", "The action or operation requested is invalid."))
		return
	}
	f := form{r.PostForm}
	action := f.get("Action")
	if action == "GetCallerIdentity" && !s.opts.NoSTS {
		s.serveSTS(w, r)
		return
	}

	s.mu.Lock()
	reqID := s.nextRequestID()
	s.calls[action]++
	resp, err := s.call(action, r, f)
	lost := err == nil && s.lose[action] > 0
	if lost {
		s.lose[action]--
	}
	s.mu.Unlock()
	if s.opts.AfterEffect != nil && err == nil {
		s.opts.AfterEffect(action)
	}

	switch {
	case lost:
		dropConnection(w)
	case err != nil:
		writeEC2Error(w, reqID, err)
	default:
		writeXML(w, http.StatusOK, action+"Response", reqID, resp)
	}
}

// call checks throttling, credentials and the action, then runs it.
func (s *Server) call(action string, r *http.Request, f form) (any, error) {
	if s.throttle > 0 {
		s.throttle--
		return nil, &apiError{status: http.StatusServiceUnavailable, code: "RequestLimitExceeded", message: "Request limit exceeded."}
	}
	if !s.authorized(r) {
		return nil, &apiError{status: http.StatusUnauthorized, code: "AuthFailure", message: "AWS was not able to validate the provided access credentials"}
	}
	h, ok := actions[action]
	if !ok {
		return nil, clientError("InvalidAction", "The action %s is not valid for this web service.", action)
	}
	if f.get("Version") != "2016-11-15" {
		return nil, clientError("InvalidParameterValue", "Invalid API version %q.", f.get("Version"))
	}
	s.advance()
	return h(s, f)
}

// authorized checks the access key id in the SigV4 Authorization header;
// the signature itself is the SDK's business and not checked.
func (s *Server) authorized(r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
		return false
	}
	if s.opts.AccessKeyID == "" {
		return true
	}
	return strings.Contains(auth, "Credential="+s.opts.AccessKeyID+"/")
}

func (s *Server) nextRequestID() string {
	s.seq++
	return fmt.Sprintf("5f1c0f7e-0000-4000-8000-%012x", s.seq)
}

func (s *Server) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%017x", prefix, s.seq)
}

// dropConnection closes the connection without a response, as a network
// failure after the cloud acted would.
func dropConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("ec2fake: response writer cannot be hijacked")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// reply is embedded in every response document for its requestId.
type reply struct {
	RequestID string `xml:"requestId"`
}

func (r *reply) setRequestID(id string) { r.RequestID = id }

// writeXML writes doc, a pointer to a response document embedding reply,
// as the root element EC2 names after the action, in EC2's namespace.
func writeXML(w http.ResponseWriter, status int, root, reqID string, doc any) {
	doc.(interface{ setRequestID(string) }).setRequestID(reqID)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	start := xml.StartElement{
		Name: xml.Name{Local: root},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: "http://ec2.amazonaws.com/doc/2016-11-15/"}},
	}
	if err := xml.NewEncoder(&b).EncodeElement(doc, start); err != nil {
		panic("ec2fake: marshal " + root + ": " + err.Error())
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes()) // a client gone away is no concern of the fake's
}

// writeEC2Error writes EC2's error document, whose shape differs from the
// success responses' (and from STS's).
func writeEC2Error(w http.ResponseWriter, reqID string, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, code: "InternalError", message: "An internal error has occurred"}
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Response><Errors><Error><Code>")
	_ = xml.EscapeText(&b, []byte(ae.code))
	b.WriteString("</Code><Message>")
	_ = xml.EscapeText(&b, []byte(ae.message))
	b.WriteString("</Message></Error></Errors><RequestID>" + reqID + "</RequestID></Response>")
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(ae.status)
	_, _ = w.Write([]byte(b.String()))
}
