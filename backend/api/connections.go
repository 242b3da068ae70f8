package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/vault/importers"
)

// Connections is what the API serves of the cloud connections;
// *connections.Service is one. Answers carry which secrets are set, never
// their values.
type Connections interface {
	List(ctx context.Context) ([]connections.Info, error)
	Add(ctx context.Context, c model.Connection) (connections.Info, error)
	Update(ctx context.Context, name string, c model.Connection, clear ...string) (connections.Info, error)
	Delete(ctx context.Context, name string) error
	Test(ctx context.Context, name string) (string, error)
	KeySource(ctx context.Context) string
}

// ConnectionImports reads the clouds' own files and imports what they
// hold; *connections.Service is one, and serves the import route where
// the Connections are also one.
type ConnectionImports interface {
	Parse(ctx context.Context, files ...importers.File) (connections.Found, error)
	ImportFound(ctx context.Context, f connections.Found) (connections.ImportResult, error)
}

// ImportRequest is the body of POST /api/v1/connections/import: the
// files, each recognised by its content (~/.aws/credentials, clouds.yaml,
// cloudmesh.yaml, an openrc, …).
type ImportRequest struct {
	Files []struct {
		Name    string `json:"name"` // for the answer's sources and errors
		Content string `json:"content"`
	} `json:"files"`
	DryRun bool `json:"dry_run,omitempty"` // only say what it would do
}

// ImportPlan is the answer to a dry run: what an import would add,
// update and skip, and why. It never holds a secret.
type ImportPlan struct {
	Add    []ImportItem       `json:"add"`
	Update []ImportItem       `json:"update"`
	Skip   []connections.Skip `json:"skip"`
}

// ImportItem is one connection an import would make or change.
type ImportItem struct {
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Source string `json:"source"`
}

// ConnectionRequest is the body of POST /api/v1/connections and PUT
// /api/v1/connections/{name}. On PUT a secret left empty keeps its value.
type ConnectionRequest struct {
	Name     string            `json:"name"`
	Kind     model.CloudKind   `json:"kind"`
	Settings map[string]string `json:"settings"`
	Secrets  map[string]string `json:"secrets"`
	Defaults map[string]string `json:"defaults"`
	Hosts    []model.SSHHost   `json:"hosts"`
	Active   *bool             `json:"active"` // default true
	// ClearSecrets names secrets a PUT removes.
	ClearSecrets []string `json:"clear_secrets,omitempty"`
}

// ConnectionList is the answer to GET /api/v1/connections.
type ConnectionList struct {
	KeySource   string             `json:"key_source"` // where the master key is
	Connections []connections.Info `json:"connections"`
}

// ConnectionTest is the answer to POST /api/v1/connections/{name}/test.
type ConnectionTest struct {
	Identity string `json:"identity"`
}

func (s *server) connectionRoutes(mux *http.ServeMux) {
	target := func(r *http.Request) model.AuditTarget { return model.ConnectionTarget(r.PathValue("name")) }
	mux.HandleFunc("GET /api/v1/connections", s.listConnections)
	mux.HandleFunc("POST /api/v1/connections", s.audited(model.ActionConnectionAdd, target, s.addConnection))
	mux.HandleFunc("PUT /api/v1/connections/{name}", s.audited(model.ActionConnectionUpdate, target, s.updateConnection))
	mux.HandleFunc("DELETE /api/v1/connections/{name}", s.audited(model.ActionConnectionDelete, target, func(w http.ResponseWriter, r *http.Request) {
		s.reply(w, r, map[string]bool{"deleted": true}, s.conns.Delete(r.Context(), r.PathValue("name")))
	}))
	if im, ok := s.conns.(ConnectionImports); ok {
		mux.HandleFunc("POST /api/v1/connections/import", func(w http.ResponseWriter, r *http.Request) { s.importConnections(w, r, im) })
	}
	mux.HandleFunc("POST /api/v1/connections/{name}/test", s.audited(model.ActionConnectionTest, target, func(w http.ResponseWriter, r *http.Request) {
		id, err := s.conns.Test(r.Context(), r.PathValue("name"))
		s.reply(w, r, ConnectionTest{Identity: id}, err)
	}))
}

// importConnections answers what importing the files sent would do, or
// does it, audited with the connections it names.
func (s *server) importConnections(w http.ResponseWriter, r *http.Request, im ConnectionImports) {
	var in ImportRequest
	err := decodeBody(w, r, &in)
	if err == nil && len(in.Files) == 0 {
		err = errors.New("no files")
	}
	if err != nil {
		writeError(w, r, http.StatusBadRequest, `the body is not an import: send JSON like {"files": [{"name": "cloudmesh.yaml", "content": "…"}], "dry_run": true}`)
		return
	}
	files := make([]importers.File, len(in.Files))
	for i, f := range in.Files {
		files[i] = importers.File{Path: f.Name, Data: []byte(f.Content)}
	}
	if in.DryRun {
		found, err := im.Parse(r.Context(), files...)
		plan := ImportPlan{Add: []ImportItem{}, Update: []ImportItem{}, Skip: append([]connections.Skip{}, found.Skipped...)}
		for _, p := range found.Plan {
			item := ImportItem{Name: p.Name, Kind: p.Kind, Source: p.Source}
			if p.Update {
				plan.Update = append(plan.Update, item)
			} else {
				plan.Add = append(plan.Add, item)
			}
		}
		s.reply(w, r, plan, err)
		return
	}
	s.audited(model.ActionConnectionImport, func(*http.Request) model.AuditTarget { return model.AuditTarget{Kind: model.TargetConnection} }, func(w http.ResponseWriter, r *http.Request) {
		found, err := im.Parse(r.Context(), files...)
		var done connections.ImportResult
		if err == nil {
			done, err = im.ImportFound(r.Context(), found)
		}
		if names := append(done.Added, done.Updated...); len(names) > 0 {
			audit.Name(r.Context(), model.ActionConnectionImport, model.ConnectionTarget(strings.Join(names, ", ")))
		}
		audit.Err(r.Context(), err)
		s.reply(w, r, done, err)
	})(w, r)
}

func (s *server) listConnections(w http.ResponseWriter, r *http.Request) {
	list, err := s.conns.List(r.Context())
	if list == nil {
		list = []connections.Info{}
	}
	s.reply(w, r, ConnectionList{KeySource: s.conns.KeySource(r.Context()), Connections: list}, err)
}

func (s *server) addConnection(w http.ResponseWriter, r *http.Request) {
	c, _, ok := s.connectionBody(w, r)
	if !ok {
		return
	}
	// The target is the name in the body: POST has none in its path.
	audit.Name(r.Context(), model.ActionConnectionAdd, model.ConnectionTarget(c.Name))
	info, err := s.conns.Add(r.Context(), c)
	s.reply(w, r, info, err)
}

func (s *server) updateConnection(w http.ResponseWriter, r *http.Request) {
	c, clear, ok := s.connectionBody(w, r)
	if !ok {
		return
	}
	info, err := s.conns.Update(r.Context(), r.PathValue("name"), c, clear...)
	s.reply(w, r, info, err)
}

func (s *server) connectionBody(w http.ResponseWriter, r *http.Request) (c model.Connection, clear []string, ok bool) {
	var req ConnectionRequest
	if err := decodeBody(w, r, &req); err != nil {
		writeError(w, r, http.StatusBadRequest, "the body is not a connection: send JSON with name, kind, settings, secrets, defaults, hosts, active")
		return c, nil, false
	}
	active := req.Active == nil || *req.Active
	return model.Connection{
		Name: req.Name, Kind: req.Kind, Settings: req.Settings, Secrets: req.Secrets,
		Defaults: req.Defaults, Hosts: req.Hosts, Active: active,
	}, req.ClearSecrets, true
}

// Connections speaks the connection routes of the server c talks to, so
// a command works the same through a running server as on the data dir.
func (c *Client) Connections() Connections { return connectionClient{c} }

type connectionClient struct{ c *Client }

var _ Connections = connectionClient{}

func connectionPath(name string) string { return "/api/v1/connections/" + url.PathEscape(name) }

func requestOf(c model.Connection, clear []string) ConnectionRequest {
	return ConnectionRequest{
		Name: c.Name, Kind: c.Kind, Settings: c.Settings, Secrets: c.Secrets,
		Defaults: c.Defaults, Hosts: c.Hosts, Active: &c.Active, ClearSecrets: clear,
	}
}

// List lists the connections; KeySource is answered with it.
func (cc connectionClient) List(ctx context.Context) ([]connections.Info, error) {
	var out ConnectionList
	err := cc.c.do(ctx, http.MethodGet, "/api/v1/connections", nil, &out)
	return out.Connections, err
}

// KeySource says where the server's master key is, or why it cannot tell.
func (cc connectionClient) KeySource(ctx context.Context) string {
	var out ConnectionList
	if err := cc.c.do(ctx, http.MethodGet, "/api/v1/connections", nil, &out); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return out.KeySource
}

func (cc connectionClient) Add(ctx context.Context, conn model.Connection) (connections.Info, error) {
	var out connections.Info
	return out, cc.c.do(ctx, http.MethodPost, "/api/v1/connections", requestOf(conn, nil), &out)
}

func (cc connectionClient) Update(ctx context.Context, name string, conn model.Connection, clear ...string) (connections.Info, error) {
	var out connections.Info
	return out, cc.c.do(ctx, http.MethodPut, connectionPath(name), requestOf(conn, clear), &out)
}

func (cc connectionClient) Delete(ctx context.Context, name string) error {
	return cc.c.do(ctx, http.MethodDelete, connectionPath(name), nil, nil)
}

func (cc connectionClient) Test(ctx context.Context, name string) (string, error) {
	var out ConnectionTest
	return out.Identity, cc.c.do(ctx, http.MethodPost, connectionPath(name)+"/test", struct{}{}, &out)
}
