// Package frontend serves meshflow's user interface: server-rendered pages
// built from templ components, htmx for partial updates, and the embedded
// static assets. The same http.Handler backs the desktop window and the
// browser, so both show exactly the same thing.
package frontend

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/httpstatus"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/tasklog"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/pages"
)

// Store is the state the UI reads and changes.
type Store interface {
	Settings(ctx context.Context) (model.Settings, error)
	SaveSettings(ctx context.Context, s model.Settings) error
	VMSettings(ctx context.Context) (model.VMSettings, error)
	SaveVMSettings(ctx context.Context, s model.VMSettings) error
	AuditEvents(ctx context.Context, f model.AuditFilter) ([]model.AuditEvent, error)
	CountAuditEvents(ctx context.Context, f model.AuditFilter) (int, error)
	AuditActions(ctx context.Context) ([]string, error)
	AddAuditEvent(ctx context.Context, e model.AuditEvent) (int64, error)
}

// Workflows is the workflow service the DAG and run pages show and act on;
// *workflow.Service is one. Unknown DAGs and runs are model.ErrNotFound;
// refusals meant for the user ("run 1 already ended: success") are
// model.ErrConflict or model.ErrInvalid, and read as they stand.
type Workflows interface {
	DAGs(ctx context.Context) ([]workflow.DAG, error)
	DAG(ctx context.Context, name string) (workflow.DAG, error)
	Entry(name string) (*dagdir.Entry, error)
	Trigger(ctx context.Context, name string, params map[string]any, trigger model.Trigger) (model.Run, error)
	SetPaused(ctx context.Context, name string, paused bool) error
	// RunDetail has read-your-writes: it includes every change the engine
	// made before the call.
	RunDetail(ctx context.Context, id int64) (workflow.RunDetail, error)
	// Changes lists what an action would do to a run's tasks, for the
	// confirmation asked before it.
	Changes(ctx context.Context, runID int64, action workflow.Action, task string) (workflow.RunDetail, []workflow.Change, error)
}

// RunControl changes runs, in flight or ended.
type RunControl interface {
	Cancel(ctx context.Context, runID int64) error
	Retry(ctx context.Context, runID int64, failedOnly bool) error
	ClearTask(ctx context.Context, runID int64, taskID string, downstream bool) error
	MarkTask(ctx context.Context, runID int64, taskID string, state model.TaskState) error
}

// RunHistory reads recorded runs page by page, for lists and the grid, and
// the definition each run executes.
type RunHistory interface {
	Run(ctx context.Context, id int64) (model.Run, error)
	Runs(ctx context.Context, f model.RunFilter) ([]model.Run, error)
	CountRuns(ctx context.Context, f model.RunFilter) (int, error)
	TaskRunsOf(ctx context.Context, runIDs []int64) ([]model.TaskRun, error)
	Definition(ctx context.Context, r model.Run) (workflow.Definition, error)
}

// Variables are the global variables every DAG's templates read. A
// secret's value goes in through Set and never comes back out: List leaves
// it empty. Set refuses a bad name with model.ErrInvalid and a message for
// the user; Delete reports an unknown variable as model.ErrNotFound.
type Variables interface {
	List(ctx context.Context) ([]model.Variable, error)
	Set(ctx context.Context, name, value string, secret bool) error
	Delete(ctx context.Context, name string) error
}

// Connections lists the cloud connections and says where the master key
// is; *connections.Service is one. Nothing it answers holds a secret.
type Connections interface {
	List(ctx context.Context) ([]connections.Info, error)
	Get(ctx context.Context, name string) (connections.Info, error)
	KeySource(ctx context.Context) string
}

// ConnectionEdits changes and tests connections; *connections.Service is
// one.
type ConnectionEdits interface {
	Add(ctx context.Context, c model.Connection) (connections.Info, error)
	Update(ctx context.Context, name string, c model.Connection, clear ...string) (connections.Info, error)
	Delete(ctx context.Context, name string) error
	Test(ctx context.Context, name string) (string, error)
	// Discover and ImportFound import what the usual places hold.
	Discover(ctx context.Context, pl connections.Places) (connections.Found, error)
	ImportFound(ctx context.Context, f connections.Found) (connections.ImportResult, error)
}

// TaskLogs reads task logs; tasklog.Dir is one.
type TaskLogs interface {
	// Read returns the end of a log, in numbered lines.
	Read(k tasklog.Key, maxBytes int64, maxLines int) (tasklog.Page, error)
	// Copy writes a whole log as it is kept, for a download.
	Copy(w io.Writer, k tasklog.Key) error
}

// Installation describes the running instance for the Overview and Settings
// pages. Nothing in it is secret.
type Installation interface {
	Ping(ctx context.Context) error
	Size() (int64, error)
	SchemaVersion(ctx context.Context) (int, error)
}

// RunEvents signals changes to a run, so pages can show them as they
// happen. Signals coalesce: one means "changed since you last looked".
type RunEvents interface {
	Subscribe(runID int64) (changed <-chan struct{}, cancel func())
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
	Workflows    Workflows
	Control      RunControl
	History      RunHistory
	Variables    Variables
	// Connections and ConnectionEdits serve the Connections page.
	Connections     Connections
	ConnectionEdits ConnectionEdits
	// ImportFrom is where the Connections page's import looks.
	ImportFrom connections.Places
	Logs       TaskLogs      // nil: no logs are shown
	Events     RunEvents     // nil: live pages poll instead of streaming
	Inventory  Inventory     // nil: the VMs pages say no cloud is connected
	Prices     *cloud.Prices // the VMs' cost estimates; nil: none shown
	Info       Info
	Logger     *slog.Logger
	Now        func() time.Time // defaults to time.Now
	// CheckOrigin refuses state-changing requests sent by other web sites
	// (cross-site request forgery). The browser-facing server turns it on;
	// the desktop window, which no other site can reach, leaves it off.
	CheckOrigin bool
	// Sessions signs browsers in; every page but the sign-in page needs
	// one. Required unless Info.Desktop: the desktop window, which no
	// other program can reach, needs no sign-in.
	Sessions Sessions
}

// Handler holds what the UI handlers share. Each action lives in its own
// file, named after the section and the verb.
type Handler struct {
	store    Store
	inst     Installation
	flows    Workflows
	control  RunControl
	history  RunHistory
	vars     Variables
	conns    Connections
	edits    ConnectionEdits
	places   connections.Places
	logs     TaskLogs
	events   RunEvents
	vms      Inventory
	prices   *cloud.Prices
	info     Info
	logger   *slog.Logger
	now      func() time.Time
	csrf     *http.CrossOriginProtection // nil: no origin check
	flashes  *flashes
	refusals *refusals

	sessions Sessions // nil: no sign-in (the desktop window)
	cookie   string   // the session cookie's name
}

// New returns the UI's http.Handler with every route registered.
func New(opts Options) http.Handler {
	h := &Handler{
		store:    opts.Store,
		inst:     opts.Installation,
		flows:    opts.Workflows,
		control:  opts.Control,
		history:  opts.History,
		vars:     opts.Variables,
		conns:    opts.Connections,
		edits:    opts.ConnectionEdits,
		places:   opts.ImportFrom,
		logs:     opts.Logs,
		events:   opts.Events,
		vms:      opts.Inventory,
		prices:   opts.Prices,
		info:     opts.Info,
		logger:   opts.Logger,
		now:      opts.Now,
		flashes:  newFlashes(),
		refusals: newRefusals(),

		sessions: opts.Sessions,
		cookie:   sessionCookie(opts.Info.DataDir),
	}
	if h.sessions == nil && !opts.Info.Desktop {
		// A browser-facing UI without sign-in would let any local user
		// drive it; refuse to build one.
		panic("frontend: Options.Sessions is required outside the desktop window")
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
	return pages.Chrome{
		Active: active, InstanceName: st.InstanceName, Theme: st.Theme, Version: h.info.Version,
		SignOut: h.sessions != nil,
	}
}

// render writes a component as the response with the given status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil && !clientGone(r) {
		h.logger.Error("render page", "path", r.URL.Path, "err", err)
	}
}

// clientGone reports whether the request ended because its client left (a
// closed tab, a page the user navigated away from): not a failure of ours.
func clientGone(r *http.Request) bool { return errors.Is(r.Context().Err(), context.Canceled) }

// serverError logs err once, here at the edge, and shows the user a page
// that says what failed without exposing internals. A request whose client
// has left is only noted at debug level: nobody waits for the page.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, what string, err error) {
	if clientGone(r) {
		h.logger.Debug(what+": the client left", "method", r.Method, "path", r.URL.Path)
		return
	}
	h.logger.Error(what, "method", r.Method, "path", r.URL.Path, "err", err)
	c := pages.Chrome{Active: "error", InstanceName: "meshflow", Theme: model.ThemeSystem, Version: h.info.Version}
	h.render(w, r, http.StatusInternalServerError, pages.ErrorPage(c, "Something went wrong",
		"meshflow could not "+what+". The details are in the server log; nothing was changed."))
}

// redirect answers a form post that worked by sending the browser to next:
// a 303 for a plain form, HX-Redirect for htmx, which would otherwise swap
// the answer into the page.
func redirect(w http.ResponseWriter, r *http.Request, next string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", next)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// missing answers 404 for a DAG or run that does not exist, saying which.
func (h *Handler) missing(w http.ResponseWriter, r *http.Request, active, title, message string) {
	h.render(w, r, http.StatusNotFound, pages.ErrorPage(h.chrome(r.Context(), active), title, message))
}

// badRequest answers a request the user can fix — a mistyped address, a
// stale link — with a page that says what is wrong with it.
func (h *Handler) badRequest(w http.ResponseWriter, r *http.Request, status int, message string) {
	h.render(w, r, status, pages.ErrorPage(h.chrome(r.Context(), "error"), "This address is not quite right", sentence(message)))
}

// requestError is a problem with the request itself, such as a malformed
// cursor; it is answered with its status and message, and not logged.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(msg string) error { return &requestError{http.StatusBadRequest, msg} }

// fail answers a request that could not be served: the user's own mistakes
// and refusals with their status and reason, unknown DAGs and runs with a
// 404 page, and anything else as a server error, logged once here.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	var re *requestError
	switch code := httpstatus.Of(err); {
	case errors.As(err, &re):
		h.badRequest(w, r, re.status, re.msg)
	case code == http.StatusInternalServerError:
		h.serverError(w, r, what, err)
	case code == http.StatusNotFound:
		h.missing(w, r, "error", "Not found", "meshflow has no "+err.Error()+".")
	default:
		h.render(w, r, code, pages.ErrorPage(h.chrome(r.Context(), "error"), http.StatusText(code), sentence(err.Error())))
	}
}

// id formats a run id.
func id(n int64) string { return strconv.FormatInt(n, 10) }
