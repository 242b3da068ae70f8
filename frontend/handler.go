// Package frontend serves meshflow's user interface: server-rendered pages
// built from templ components, htmx for partial updates, and the embedded
// static assets. The same http.Handler backs the desktop window and the
// browser, so both show exactly the same thing.
package frontend

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/a-h/templ"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// Store is the state the UI reads and changes.
type Store interface {
	Settings(ctx context.Context) (model.Settings, error)
	SaveSettings(ctx context.Context, s model.Settings) error
	AuditEvents(ctx context.Context, beforeID int64, limit int) ([]model.AuditEvent, error)
	CountAuditEvents(ctx context.Context) (int, error)
	AddAuditEvent(ctx context.Context, e model.AuditEvent) (int64, error)
}

// Installation describes the running instance for the Overview and Settings
// pages. Nothing in it is secret.
type Installation interface {
	Ping(ctx context.Context) error
	Size() (int64, error)
	SchemaVersion(ctx context.Context) (int, error)
}

// Info is what the UI is told about the process it runs in.
type Info struct {
	Version    string
	Desktop    bool   // true inside the Wails window
	Addr       string // where serve listens; empty in the desktop shell
	DataDir    string
	DBPath     string
	DAGDir     string
	ConfigFile string
	LogLevel   string
	StartedAt  time.Time
}

// Options configures New.
type Options struct {
	Store        Store
	Installation Installation
	Info         Info
	Logger       *slog.Logger
	Now          func() time.Time // defaults to time.Now
	// CheckOrigin refuses state-changing requests sent by other web sites
	// (cross-site request forgery). The browser-facing server turns it on;
	// the desktop window, which no other site can reach, leaves it off.
	CheckOrigin bool
}

// Handler holds what the UI handlers share. Each action lives in its own
// file, named after the section and the verb.
type Handler struct {
	store  Store
	inst   Installation
	info   Info
	logger *slog.Logger
	now    func() time.Time
	csrf   *http.CrossOriginProtection // nil: no origin check
}

// New returns the UI's http.Handler with every route registered.
func New(opts Options) http.Handler {
	h := &Handler{
		store:  opts.Store,
		inst:   opts.Installation,
		info:   opts.Info,
		logger: opts.Logger,
		now:    opts.Now,
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	if opts.CheckOrigin {
		h.csrf = http.NewCrossOriginProtection()
	}
	return h.routes()
}

// chrome loads what every page needs around its content.
func (h *Handler) chrome(ctx context.Context, active string) pages.Chrome {
	st, err := h.store.Settings(ctx)
	if err != nil {
		// The page can still be drawn with the defaults; say so once, here.
		h.logger.Warn("load settings for page chrome", "err", err)
		st = model.DefaultSettings()
	}
	return pages.Chrome{Active: active, InstanceName: st.InstanceName, Theme: st.Theme, Version: h.info.Version}
}

// render writes a component as the response with the given status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		h.logger.Error("render page", "path", r.URL.Path, "err", err)
	}
}

// serverError logs err once, here at the edge, and shows the user a page
// that says what failed without exposing internals.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.logger.Error(what, "method", r.Method, "path", r.URL.Path, "err", err)
	c := pages.Chrome{Active: "error", InstanceName: "meshflow", Theme: model.ThemeSystem, Version: h.info.Version}
	h.render(w, r, http.StatusInternalServerError, pages.ErrorPage(c, "Something went wrong",
		"meshflow could not "+what+". The details are in the server log; nothing was changed."))
}
