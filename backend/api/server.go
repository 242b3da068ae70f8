package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/httpstatus"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
)

// Handler serves the API for svc. Every request must carry
// "Authorization: Bearer <token>". Every change a client asks for is
// recorded in audit, done or refused, as the UI records its own.
// conns and vms may be nil: then their routes are left out.
func Handler(svc Service, log AuditLog, token string, logger *slog.Logger, conns Connections, vms VMs) http.Handler {
	s := &server{svc: svc, audit: log, logger: logger, conns: conns, vms: vms}
	dag := func(r *http.Request) model.AuditTarget { return model.DAGTarget(r.PathValue("name")) }
	run := func(r *http.Request) model.AuditTarget {
		return model.AuditTarget{Kind: model.TargetRun, ID: r.PathValue("id")}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/dags", s.listDAGs)
	mux.HandleFunc("GET /api/v1/dags/{name}", s.describeDAG)
	mux.HandleFunc("POST /api/v1/dags/{name}/runs", s.audited(model.ActionDAGTrigger, dag, s.trigger))
	mux.HandleFunc("GET /api/v1/dags/{name}/runs", s.listRuns)
	mux.HandleFunc("POST /api/v1/dags/{name}/pause", s.audited(model.ActionDAGPause, dag, s.pause(true)))
	mux.HandleFunc("POST /api/v1/dags/{name}/unpause", s.audited(model.ActionDAGUnpause, dag, s.pause(false)))
	mux.HandleFunc("GET /api/v1/runs", s.listRuns)
	mux.HandleFunc("GET /api/v1/runs/{id}", s.runDetail)
	mux.HandleFunc("GET /api/v1/runs/{id}/wait", s.wait)
	mux.HandleFunc("POST /api/v1/runs/{id}/cancel", s.audited(model.ActionRunCancel, run, s.control(func(r *http.Request, id int64) error {
		return s.svc.Cancel(r.Context(), id)
	})))
	mux.HandleFunc("POST /api/v1/runs/{id}/retry", s.audited(model.ActionRunRetry, run, s.control(func(r *http.Request, id int64) error {
		return s.svc.Retry(r.Context(), id, false)
	})))
	mux.HandleFunc("POST /api/v1/runs/{id}/retry-failed", s.audited(model.ActionRunRetryFailed, run, s.control(func(r *http.Request, id int64) error {
		return s.svc.Retry(r.Context(), id, true)
	})))
	mux.HandleFunc("GET /api/v1/audit", s.listAudit)
	if conns != nil {
		s.connectionRoutes(mux)
	}
	if vms != nil {
		s.vmRoutes(mux)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "no such API route: "+r.Method+" "+r.URL.Path)
	})
	return requireToken(token, mux)
}

type server struct {
	svc    Service
	audit  AuditLog
	logger *slog.Logger
	conns  Connections
	vms    VMs
}

// audited records each request h answers, with its action, target and
// outcome: the reason of a refusal is the error the client is answered
// with (see reply and writeError). Requests refused for a missing or wrong
// token are not recorded: they name nothing, and anyone on the machine
// could flood the log with them.
func (s *server) audited(action string, target func(*http.Request) model.AuditTarget, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, note := audit.Begin(r.Context(), action, target(r))
		aw := audit.NewWriter(w, func(status int) {
			if err := audit.Record(ctx, s.audit, note.Event(Origin(r), time.Now(), status)); err != nil {
				s.logger.Error("api: record audit event", "action", action, "err", err)
			}
		})
		h(aw, r.WithContext(ctx))
		aw.Finish()
	}
}

// ClientHeader names the program that sends an API request, as
// "cli/VERSION" for meshflow's own commands; the audit log records their
// requests with the source cli, and any other client's with api. It is a
// label, not a credential: the token is what is checked.
const ClientHeader = "X-Meshflow-Client"

// Origin says who sent an API request, for the audit log: the holder of
// the API token, through the CLI or another client, from its address.
func Origin(r *http.Request) audit.Origin {
	o := audit.Origin{Source: model.SourceAPI, Actor: "API token", Address: r.RemoteAddr}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		o.Address = host
	}
	if c := r.Header.Get(ClientHeader); strings.HasPrefix(c, "cli/") {
		o.Source, o.Actor = model.SourceCLI, "API token via "+model.Cut(c, model.MaxQuoted)
	}
	return o
}

func requireToken(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			writeError(w, r, http.StatusUnauthorized, "missing or wrong API token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// listDAGs answers the DAG files, filtered as the UI's list is: ?q=PART
// of the name, ?tag=TAG, ?status=paused or active.
func (s *server) listDAGs(w http.ResponseWriter, r *http.Request) {
	f, err := workflow.ParseDAGFilter(r.URL.Query())
	if err != nil {
		writeError(w, r, http.StatusUnprocessableEntity, err.Error())
		return
	}
	dags, err := s.svc.DAGs(r.Context())
	if dags = f.Filter(dags); dags == nil {
		dags = []workflow.DAG{}
	}
	s.reply(w, r, dags, err)
}

func (s *server) describeDAG(w http.ResponseWriter, r *http.Request) {
	d, err := s.svc.DAG(r.Context(), r.PathValue("name"))
	s.reply(w, r, d, err)
}

func (s *server) trigger(w http.ResponseWriter, r *http.Request) {
	var req TriggerRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, r, http.StatusBadRequest, "body must be JSON like {\"params\": {...}}: "+err.Error())
		return
	}
	switch req.Trigger {
	case "":
		req.Trigger = model.TriggerAPI
	case model.TriggerAPI, model.TriggerCLI:
	default:
		writeError(w, r, http.StatusUnprocessableEntity, "trigger must be api or cli")
		return
	}
	run, err := s.svc.Trigger(r.Context(), r.PathValue("name"), req.Params, req.Trigger)
	s.reply(w, r, run, err)
}

// maxRunsLimit bounds one page of runs.
const maxRunsLimit = 1000

// listRuns answers one page of runs (of one DAG, under /dags/{name}),
// newest first, filtered as the UI's list is (see
// workflow.ParseRunFilter; days are UTC's unless ?tz= names a zone):
// ?limit=N (default 20) and ?before=ID for the page after the run with
// that id.
func (s *server) listRuns(w http.ResponseWriter, r *http.Request) {
	f, err := runFilter(r.PathValue("name"), r.URL.Query())
	if err != nil {
		writeError(w, r, http.StatusUnprocessableEntity, err.Error())
		return
	}
	runs, err := s.svc.Runs(r.Context(), f)
	if runs == nil {
		runs = []model.Run{}
	}
	if err == nil && len(runs) == 0 && f.DAG != "" {
		// Nothing recorded: say so for a DAG that exists, 404 otherwise.
		_, err = s.svc.DAG(r.Context(), f.DAG)
	}
	s.reply(w, r, runs, err)
}

func runFilter(dag string, q url.Values) (model.RunFilter, error) {
	f, err := workflow.ParseRunFilter(q, time.UTC)
	if err != nil {
		return f, err
	}
	if dag != "" {
		f.DAG = dag
	}
	f.Limit = 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > maxRunsLimit {
			return f, fmt.Errorf("limit must be a number from 1 to %d", maxRunsLimit)
		}
		f.Limit = n
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, errors.New("before must be a run id, a positive whole number")
		}
		f.BeforeID = n
	}
	return f, nil
}

func (s *server) pause(paused bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.reply(w, r, map[string]bool{"paused": paused}, s.svc.SetPaused(r.Context(), r.PathValue("name"), paused))
	}
}

func (s *server) runDetail(w http.ResponseWriter, r *http.Request) {
	id, ok := runID(w, r)
	if !ok {
		return
	}
	detail, err := s.svc.RunDetail(r.Context(), id)
	s.reply(w, r, detail, err)
}

func (s *server) wait(w http.ResponseWriter, r *http.Request) {
	id, ok := runID(w, r)
	if !ok {
		return
	}
	run, err := s.svc.Wait(r.Context(), id)
	s.reply(w, r, run, err)
}

func (s *server) control(do func(r *http.Request, id int64) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := runID(w, r)
		if !ok {
			return
		}
		s.reply(w, r, map[string]bool{"done": true}, do(r, id))
	}
}

func runID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, r, http.StatusNotFound, "run ids are positive whole numbers")
		return 0, false
	}
	return id, true
}

// reply writes v as JSON, or err as an error document: the user's own
// mistakes and refusals with their reason, anything else as a 500 whose
// details (paths, SQL) stay in the server's log. How it ended is noted for
// the audit log.
func (s *server) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	audit.Err(r.Context(), err)
	if err == nil {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
		return
	}
	code := httpstatus.Of(err)
	if errors.Is(r.Context().Err(), context.Canceled) {
		s.logger.Debug("api: the client left", "method", r.Method, "path", r.URL.Path)
		return
	}
	if code == http.StatusInternalServerError {
		s.logger.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, r, code, "internal error: see the meshflow server's log")
		return
	}
	writeError(w, r, code, err.Error())
}

// writeError answers msg with status; a refusal's msg is its reason in
// the audit log too, unless one was noted already.
func writeError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status < http.StatusInternalServerError {
		audit.Refuse(r.Context(), msg)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Error{Error: msg})
}
