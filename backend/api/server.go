package api

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/meshflow/meshflow/backend/model"
)

// ErrNotFound is what a Service returns for an unknown DAG or run; the
// server answers 404 for it.
var ErrNotFound = errors.New("not found")

// ErrInvalid marks a request the Service refuses because of its content;
// the server answers 400.
var ErrInvalid = errors.New("invalid request")

// Handler serves the API for svc. Every request must carry
// "Authorization: Bearer <token>".
func Handler(svc Service, token string, logger *slog.Logger) http.Handler {
	s := &server{svc: svc, logger: logger}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/dags", s.listDAGs)
	mux.HandleFunc("POST /api/v1/dags/{name}/runs", s.trigger)
	mux.HandleFunc("POST /api/v1/dags/{name}/pause", s.pause(true))
	mux.HandleFunc("POST /api/v1/dags/{name}/unpause", s.pause(false))
	mux.HandleFunc("GET /api/v1/runs/{id}", s.runDetail)
	mux.HandleFunc("GET /api/v1/runs/{id}/wait", s.wait)
	mux.HandleFunc("POST /api/v1/runs/{id}/{action}", s.control)
	return requireToken(token, mux)
}

type server struct {
	svc    Service
	logger *slog.Logger
}

func requireToken(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			writeError(w, http.StatusUnauthorized, "missing or wrong API token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *server) listDAGs(w http.ResponseWriter, r *http.Request) {
	dags, err := s.svc.DAGs(r.Context())
	s.reply(w, r, dags, err)
}

// TriggerRequest is the body of POST /api/v1/dags/{name}/runs.
type TriggerRequest struct {
	Params  map[string]any `json:"params"`
	Trigger model.Trigger  `json:"trigger"`
}

func (s *server) trigger(w http.ResponseWriter, r *http.Request) {
	var req TriggerRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "body must be JSON like {\"params\": {...}}: "+err.Error())
		return
	}
	switch req.Trigger {
	case "":
		req.Trigger = model.TriggerAPI
	case model.TriggerAPI, model.TriggerCLI:
	default:
		writeError(w, http.StatusBadRequest, "trigger must be api or cli")
		return
	}
	run, err := s.svc.Trigger(r.Context(), r.PathValue("name"), req.Params, req.Trigger)
	s.reply(w, r, run, err)
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

func (s *server) control(w http.ResponseWriter, r *http.Request) {
	id, ok := runID(w, r)
	if !ok {
		return
	}
	action := Action(r.PathValue("action"))
	switch action {
	case ActionCancel, ActionRetry, ActionRetryFailed:
	default:
		writeError(w, http.StatusNotFound, "unknown action "+string(action)+": use cancel, retry or retry-failed")
		return
	}
	s.reply(w, r, map[string]string{"done": string(action)}, s.svc.Control(r.Context(), id, action))
}

func runID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusBadRequest, "run id must be a positive number")
		return 0, false
	}
	return id, true
}

// reply writes v as JSON, or err as an error document.
func (s *server) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrInvalid):
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		// Internal details (paths, SQL) stay in the server's log.
		s.logger.Error("api", "method", r.Method, "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, "internal error: see the meshflow server's log")
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(Error{Error: msg})
}
