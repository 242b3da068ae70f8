package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// VMs is what the API serves of the VM inventory; *cloud.Inventory is
// one, and Client.VMs speaks it remotely, so a command works the same
// through a running server as on the data dir.
type VMs interface {
	VMViews
	VMChanges
}

// VMViews reads the inventory and the clouds.
type VMViews interface {
	List(ctx context.Context, f cloud.Filter) (cloud.Listing, error)
	Detail(ctx context.Context, ref string) (cloud.Detail, error)
	// Console is the end of a VM's console output, at most maxBytes.
	Console(ctx context.Context, connection, id string, maxBytes int) (string, error)
	// Catalog is what a connection's VMs can be made of, cached.
	Catalog(ctx context.Context, q cloud.CatalogQuery) (cloud.CatalogView, error)
}

// VMChanges changes VMs and the inventory's knowledge of them.
type VMChanges interface {
	Refresh(ctx context.Context) ([]model.RefreshStatus, error)
	Create(ctx context.Context, req cloud.CreateRequest) ([]model.VMRecord, error)
	ActOn(ctx context.Context, req cloud.ActRequest) ([]cloud.Acted, error)
	SetLabels(ctx context.Context, connection, id string, labels map[string]string, why string) (model.VMRecord, error)
}

// VMConsole is the answer to GET /api/v1/vms/{vm}/console.
type VMConsole struct {
	VM     model.VMRecord `json:"vm"`
	Output string         `json:"output"`
}

// VMLabels is the body of PUT /api/v1/vms/{vm}/labels: every label the
// VM is to have, its group (meshflow-group) among them.
type VMLabels struct {
	Labels map[string]string `json:"labels"`
}

// consoleBytes is how much of a console the API answers unless ?bytes=
// says: the end, where a boot's trouble shows.
const consoleBytes = 64 << 10

var _ VMs = (*cloud.Inventory)(nil)

// VMCreateRequest is the body of POST /api/v1/vms. Empty fields take the
// connection's defaults, then the cloud's.
type VMCreateRequest struct {
	Connection string   `json:"connection"`
	Names      []string `json:"names,omitempty"` // empty: generated from the naming pattern
	Count      int      `json:"count,omitempty"` // ignored when names are given; 1 if zero
	Prefix     string   `json:"prefix,omitempty"`
	// IdempotencyKey names the request for good: sent again with the same
	// key (after a timeout, a lost answer) it answers the VMs the first
	// made, and makes only those still missing.
	IdempotencyKey string            `json:"idempotency_key,omitempty"`
	Image          string            `json:"image,omitempty"`
	Flavor         string            `json:"flavor,omitempty"`
	KeyName        string            `json:"key_name,omitempty"`
	PublicKey      string            `json:"public_key,omitempty"`
	Username       string            `json:"username,omitempty"`
	SecurityGroup  string            `json:"security_group,omitempty"`
	SSHFrom        string            `json:"ssh_from,omitempty"`
	Network        string            `json:"network,omitempty"`
	Zone           string            `json:"zone,omitempty"`
	PublicIP       bool              `json:"public_ip,omitempty"`
	Hibernate      bool              `json:"hibernate,omitempty"`
	UserData       string            `json:"user_data,omitempty"`
	Tags           map[string]string `json:"tags,omitempty"`
	// Wait is "running" or "ssh" to answer once every VM is so; empty:
	// answer as the cloud first reports them.
	Wait        cloud.Until `json:"wait,omitempty"`
	WaitSeconds int         `json:"wait_seconds,omitempty"` // per VM; 600 if zero
}

// VMActionRequest is the body of POST /api/v1/vms/actions: an action and
// the VMs it is for, by refs (CONNECTION/ID, cloud id or name), names,
// ids, tags, group or connection.
type VMActionRequest struct {
	cloud.Selector
	Action      cloud.Action `json:"action"`
	DryRun      bool         `json:"dry_run,omitempty"` // only say which VMs it would act on
	Wait        bool         `json:"wait,omitempty"`    // answer once each VM is as the action leads to
	WaitSeconds int          `json:"wait_seconds,omitempty"`
	// What the changes that take an argument take: resize a flavor,
	// rebuild an image, rename a name, release-ip the address.
	Flavor string `json:"flavor,omitempty"`
	Image  string `json:"image,omitempty"`
	Name   string `json:"name,omitempty"`
	IP     string `json:"ip,omitempty"`
	// Confirm, for a resize, confirms it where the cloud asks (OpenStack's
	// VERIFY_RESIZE); true unless sent false.
	Confirm *bool `json:"confirm,omitempty"`
}

// actRequest is the inventory's request for in, its argument read from
// the field the action takes.
func (in VMActionRequest) actRequest(a cloud.Action, why string) cloud.ActRequest {
	arg := map[cloud.Action]string{cloud.Resize: in.Flavor, cloud.Rebuild: in.Image, cloud.Rename: in.Name, cloud.ReleaseIP: in.IP}[a]
	return cloud.ActRequest{
		Selector: in.Selector, Action: a, Arg: arg, Why: why, DryRun: in.DryRun,
		Unconfirmed: in.Confirm != nil && !*in.Confirm,
		Wait:        in.Wait, WaitFor: time.Duration(in.WaitSeconds) * time.Second,
	}
}

// actionRequest is the body that asks the server for req.
func actionRequest(req cloud.ActRequest) VMActionRequest {
	in := VMActionRequest{Selector: req.Selector, Action: req.Action, DryRun: req.DryRun, Wait: req.Wait, WaitSeconds: int(req.WaitFor / time.Second)}
	switch req.Action {
	case cloud.Resize:
		in.Flavor = req.Arg
		if req.Unconfirmed {
			in.Confirm = new(bool)
		}
	case cloud.Rebuild:
		in.Image = req.Arg
	case cloud.Rename:
		in.Name = req.Arg
	case cloud.ReleaseIP:
		in.IP = req.Arg
	}
	return in
}

// VMsCreated is the answer to POST /api/v1/vms.
type VMsCreated struct {
	VMs []model.VMRecord `json:"vms"`
}

// VMsActed is the answer to POST /api/v1/vms/actions: how each VM went.
// A cloud refusing some VMs answers 200 with their errors here; a choice
// that picks no VM, or a name two VMs share, is refused whole.
type VMsActed struct {
	Action  cloud.Action  `json:"action"`
	DryRun  bool          `json:"dry_run,omitempty"`
	Results []cloud.Acted `json:"results"`
}

// maxBody bounds a request's JSON: a connection's private key is a few
// KiB, a VM's user data a few tens.
const maxBody = 1 << 20

func (s *server) vmRoutes(mux *http.ServeMux) {
	all := func(*http.Request) model.AuditTarget { return model.AuditTarget{Kind: model.TargetVM} }
	mux.HandleFunc("GET /api/v1/vms", s.listVMs)
	mux.HandleFunc("GET /api/v1/vms/{ref...}", s.showVM)
	mux.HandleFunc("GET /api/v1/connections/{name}/catalog", s.showCatalog)
	labelled := func(r *http.Request) model.AuditTarget {
		return model.AuditTarget{Kind: model.TargetVM, ID: strings.TrimSuffix(r.PathValue("ref"), "/labels")}
	}
	mux.HandleFunc("PUT /api/v1/vms/{ref...}", s.audited(model.ActionVMLabel, labelled, s.labelVM))
	mux.HandleFunc("POST /api/v1/vms/refresh", s.audited(model.ActionVMRefresh, all, func(w http.ResponseWriter, r *http.Request) {
		status, err := s.vms.Refresh(r.Context())
		s.reply(w, r, status, err)
	}))
	mux.HandleFunc("POST /api/v1/vms", s.audited(model.ActionVMCreate, all, s.createVMs))
	mux.HandleFunc("POST /api/v1/vms/actions", func(w http.ResponseWriter, r *http.Request) {
		var in VMActionRequest
		err := decodeBody(w, r, &in)
		if err == nil && in.DryRun {
			s.previewVMs(w, r, in) // changes nothing, so it is not on record
			return
		}
		s.audited(model.ActionRequest, all, func(w http.ResponseWriter, r *http.Request) {
			if err != nil {
				writeError(w, r, http.StatusBadRequest, `the body is not a VM action: send JSON with "action" and the VMs as "refs", "names", "ids", "tags", "group" or "connection"`)
				return
			}
			s.actOnVMs(w, r, in)
		})(w, r)
	})
}

// why says who asked, for the VMs' history.
func why(r *http.Request) string {
	if Origin(r).Source == model.SourceCLI {
		return "the command line"
	}
	return "the API"
}

// listVMs answers the VMs chosen as the VMs page chooses them: ?q=TEXT
// &connection=NAME&state=STATE&tag=KEY[=VALUE]&gone=true.
func (s *server) listVMs(w http.ResponseWriter, r *http.Request) {
	l, err := s.vms.List(r.Context(), cloud.ParseFilter(r.URL.Query()))
	s.reply(w, r, l, err)
}

// showVM answers one VM, named by CONNECTION/ID, its cloud id or its
// name, with its history.
// A ref holds slashes (CONNECTION/ID, Azure's ids), so the console is
// told from a VM named "console" by the suffix, as the route cannot.
func (s *server) showVM(w http.ResponseWriter, r *http.Request) {
	ref, console := strings.CutSuffix(r.PathValue("ref"), "/console")
	d, err := s.vms.Detail(r.Context(), ref)
	if err != nil || !console {
		s.reply(w, r, d, err)
		return
	}
	n := consoleBytes
	if q := r.URL.Query().Get("bytes"); q != "" {
		if n, err = strconv.Atoi(q); err != nil || n <= 0 {
			writeError(w, r, http.StatusUnprocessableEntity, "bytes="+model.Quote(q)+" is not a positive number of bytes: ask for the end of the console, e.g. bytes=65536")
			return
		}
	}
	out, err := s.vms.Console(r.Context(), d.VM.Connection, d.VM.ID, n)
	s.reply(w, r, VMConsole{VM: d.VM.VMRecord, Output: out}, err)
}

// showCatalog answers a connection's images and flavors, filtered by ?q=,
// from the cloud again with ?reload=true.
func (s *server) showCatalog(w http.ResponseWriter, r *http.Request) {
	q := cloud.CatalogQuery{Connection: r.PathValue("name"), Text: r.URL.Query().Get("q")}
	if v := r.URL.Query().Get("reload"); v != "" {
		var err error
		if q.Reload, err = strconv.ParseBool(v); err != nil {
			writeError(w, r, http.StatusUnprocessableEntity, "reload="+model.Quote(v)+" is not true or false")
			return
		}
	}
	c, err := s.vms.Catalog(r.Context(), q)
	s.reply(w, r, c, err)
}

// labelVM replaces the labels of the VM PUT /api/v1/vms/{vm}/labels names.
func (s *server) labelVM(w http.ResponseWriter, r *http.Request) {
	ref, ok := strings.CutSuffix(r.PathValue("ref"), "/labels")
	if !ok {
		writeError(w, r, http.StatusNotFound, "PUT is for a VM's labels only: PUT /api/v1/vms/{vm}/labels")
		return
	}
	var in VMLabels
	if err := decodeBody(w, r, &in); err != nil {
		writeError(w, r, http.StatusBadRequest, `the body is not a VM's labels: send JSON like {"labels": {"team": "data"}}`)
		return
	}
	d, err := s.vms.Detail(r.Context(), ref)
	if err != nil {
		s.reply(w, r, nil, err)
		return
	}
	audit.Name(r.Context(), model.ActionVMLabel, model.AuditTarget{Kind: model.TargetVM, ID: d.VM.Connection + "/" + d.VM.ID})
	got, err := s.vms.SetLabels(r.Context(), d.VM.Connection, d.VM.ID, in.Labels, why(r))
	audit.Err(r.Context(), err)
	s.reply(w, r, got, err)
}

func (s *server) createVMs(w http.ResponseWriter, r *http.Request) {
	var in VMCreateRequest
	if err := decodeBody(w, r, &in); err != nil {
		writeError(w, r, http.StatusBadRequest, "the body is not a VM create: send JSON with connection, count or names, image, flavor, …")
		return
	}
	audit.Name(r.Context(), model.ActionVMCreate, model.AuditTarget{Kind: model.TargetVM, ID: in.Connection})
	req, err := in.request()
	if err != nil {
		s.reply(w, r, nil, err)
		return
	}
	req.Why = why(r)
	made, err := s.vms.Create(r.Context(), req)
	if made == nil {
		made = []model.VMRecord{}
	}
	s.reply(w, r, VMsCreated{VMs: made}, err)
}

// request is the inventory's create request for in. An idempotency key
// is kept apart from the keys DAG tasks use for their creates.
func (in VMCreateRequest) request() (cloud.CreateRequest, error) {
	switch in.Wait {
	case "", cloud.UntilRunning, cloud.UntilSSHReady:
	default:
		return cloud.CreateRequest{}, model.Errorf(model.ErrInvalid, "wait %s: use running, ssh, or leave it out", model.Quote(string(in.Wait)))
	}
	req := cloud.CreateRequest{
		Connection: in.Connection, Names: in.Names, Count: in.Count, Prefix: in.Prefix,
		Spec: cloud.CreateSpec{
			Image: in.Image, Flavor: in.Flavor, KeyName: in.KeyName, PublicKey: in.PublicKey, Username: in.Username,
			SecurityGroup: in.SecurityGroup, SSHFrom: in.SSHFrom, Network: in.Network, Zone: in.Zone,
			PublicIP: in.PublicIP, Hibernate: in.Hibernate, UserData: in.UserData, Tags: in.Tags,
		},
		Wait: in.Wait, WaitFor: time.Duration(in.WaitSeconds) * time.Second,
	}
	if in.IdempotencyKey != "" {
		req.Key = "api:" + in.IdempotencyKey
	}
	return req, nil
}

func (s *server) actOnVMs(w http.ResponseWriter, r *http.Request, in VMActionRequest) {
	a, ok := cloud.ParseChange(string(in.Action))
	if !ok {
		writeError(w, r, http.StatusUnprocessableEntity, "action "+model.Quote(string(in.Action))+" is not a VM action: use one of "+strings.Join(cloud.ChangeNames(), ", "))
		return
	}
	audit.Name(r.Context(), "vm."+string(a), model.AuditTarget{Kind: model.TargetVM, ID: in.String()})
	results, err := s.vms.ActOn(r.Context(), in.actRequest(a, why(r)))
	if results == nil {
		s.reply(w, r, nil, err) // refused before any VM was acted on
		return
	}
	audit.Name(r.Context(), "vm."+string(a), ActedTarget(results))
	audit.Err(r.Context(), err)
	s.reply(w, r, VMsActed{Action: a, Results: results}, nil)
}

// previewVMs answers the VMs an action would be for, acting on none.
func (s *server) previewVMs(w http.ResponseWriter, r *http.Request, in VMActionRequest) {
	results, err := s.vms.ActOn(r.Context(), in.actRequest(in.Action, why(r)))
	s.reply(w, r, VMsActed{Action: in.Action, DryRun: true, Results: results}, err)
}

// ActedTarget names the VMs an action went to, for the audit log.
func ActedTarget(results []cloud.Acted) model.AuditTarget {
	refs := make([]string, len(results))
	for i, res := range results {
		refs[i] = res.VM.Connection + "/" + res.VM.ID
	}
	return model.AuditTarget{Kind: model.TargetVM, ID: strings.Join(refs, ", ")}
}

// decodeBody reads r's JSON body into v, refusing unknown fields. Its
// error is not for the client: it may quote the body, and so a secret.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// VMs speaks the VM routes of the server c talks to.
func (c *Client) VMs() VMs { return vmClient{c} }

type vmClient struct{ c *Client }

var _ VMs = vmClient{}

func (vc vmClient) List(ctx context.Context, f cloud.Filter) (cloud.Listing, error) {
	var out cloud.Listing
	return out, vc.c.do(ctx, http.MethodGet, "/api/v1/vms?"+f.Query().Encode(), nil, &out)
}

func (vc vmClient) Detail(ctx context.Context, ref string) (cloud.Detail, error) {
	var out cloud.Detail
	return out, vc.c.do(ctx, http.MethodGet, "/api/v1/vms/"+url.PathEscape(ref), nil, &out)
}

func (vc vmClient) Refresh(ctx context.Context) ([]model.RefreshStatus, error) {
	var out []model.RefreshStatus
	return out, vc.c.do(ctx, http.MethodPost, "/api/v1/vms/refresh", struct{}{}, &out)
}

func (vc vmClient) Console(ctx context.Context, connection, id string, maxBytes int) (string, error) {
	var out VMConsole
	path := "/api/v1/vms/" + url.PathEscape(connection) + "/" + url.PathEscape(id) + "/console?bytes=" + strconv.Itoa(maxBytes)
	return out.Output, vc.c.do(ctx, http.MethodGet, path, nil, &out)
}

func (vc vmClient) Catalog(ctx context.Context, q cloud.CatalogQuery) (cloud.CatalogView, error) {
	var out cloud.CatalogView
	v := url.Values{"q": {q.Text}, "reload": {strconv.FormatBool(q.Reload)}}
	return out, vc.c.do(ctx, http.MethodGet, "/api/v1/connections/"+url.PathEscape(q.Connection)+"/catalog?"+v.Encode(), nil, &out)
}

func (vc vmClient) SetLabels(ctx context.Context, connection, id string, labels map[string]string, _ string) (model.VMRecord, error) {
	var out model.VMRecord
	path := "/api/v1/vms/" + url.PathEscape(connection) + "/" + url.PathEscape(id) + "/labels"
	return out, vc.c.do(ctx, http.MethodPut, path, VMLabels{Labels: labels}, &out)
}

// Create asks the server to create; req.Key, when set, is sent as the
// idempotency key.
func (vc vmClient) Create(ctx context.Context, req cloud.CreateRequest) ([]model.VMRecord, error) {
	sp := req.Spec
	in := VMCreateRequest{
		Connection: req.Connection, Names: req.Names, Count: req.Count, Prefix: req.Prefix, IdempotencyKey: req.Key,
		Image: sp.Image, Flavor: sp.Flavor, KeyName: sp.KeyName, PublicKey: sp.PublicKey, Username: sp.Username,
		SecurityGroup: sp.SecurityGroup, SSHFrom: sp.SSHFrom, Network: sp.Network, Zone: sp.Zone,
		PublicIP: sp.PublicIP, Hibernate: sp.Hibernate, UserData: sp.UserData, Tags: sp.Tags,
		Wait: req.Wait, WaitSeconds: int(req.WaitFor / time.Second),
	}
	var out VMsCreated
	return out.VMs, vc.c.do(ctx, http.MethodPost, "/api/v1/vms", in, &out)
}

// ActOn asks the server to act; the error joins the VMs' refusals, as the
// inventory's own does.
func (vc vmClient) ActOn(ctx context.Context, req cloud.ActRequest) ([]cloud.Acted, error) {
	in := actionRequest(req)
	var out VMsActed
	if err := vc.c.do(ctx, http.MethodPost, "/api/v1/vms/actions", in, &out); err != nil {
		return nil, err
	}
	var errs []string
	for _, res := range out.Results {
		if res.Error != "" {
			errs = append(errs, res.VM.Name+": "+res.Error)
		}
	}
	if len(errs) > 0 {
		return out.Results, model.Errorf(model.ErrConflict, "%s", strings.Join(errs, "; "))
	}
	return out.Results, nil
}
