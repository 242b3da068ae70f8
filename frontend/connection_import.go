package frontend

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// confirmImport shows what the usual places hold and what importing it
// would do — new connections, updated ones, entries skipped and why —
// and asks before doing it.
func (h *Handler) confirmImport(w http.ResponseWriter, r *http.Request) {
	found, err := h.edits.Discover(r.Context(), h.places)
	if err != nil {
		h.fail(w, r, "look for credentials to import", err)
		return
	}
	p := pages.ConnectionImport{}
	for _, f := range found.Files {
		file := pages.ImportFile{Path: f.Path, Format: string(f.Format)}
		if f.Err != nil {
			file.Err = f.Err.Error()
		}
		p.Files = append(p.Files, file)
	}
	for _, pl := range found.Plan {
		p.Plan = append(p.Plan, pages.ImportItem{Name: pl.Name, Kind: pl.Kind, Source: pl.Source, Update: pl.Update})
	}
	for _, s := range found.Skipped {
		p.Skipped = append(p.Skipped, pages.ImportSkip{Name: s.Name, Reason: s.Reason})
	}
	for _, n := range found.Notes {
		p.Skipped = append(p.Skipped, pages.ImportSkip{Name: n.Name, Reason: n.Source + ": " + n.Text})
	}
	h.render(w, r, http.StatusOK, pages.ConnectionImportPage(h.chrome(r.Context(), "connections"), p))
}

// importConnections imports what the usual places hold now: importing
// again updates the connections of the same name and kind.
func (h *Handler) importConnections(w http.ResponseWriter, r *http.Request) {
	audit.Name(r.Context(), model.ActionConnectionImport, model.AuditTarget{Kind: model.TargetConnection})
	found, err := h.edits.Discover(r.Context(), h.places)
	var done connections.ImportResult
	if err == nil {
		done, err = h.edits.ImportFound(r.Context(), found)
	}
	if err != nil {
		audit.Err(r.Context(), err)
		h.fail(w, r, "import connections", err)
		return
	}
	msg := fmt.Sprintf("Imported: %d added, %d updated, %d skipped.", len(done.Added), len(done.Updated), len(done.Skipped))
	if names := append(done.Added, done.Updated...); len(names) > 0 {
		msg = strings.TrimSuffix(msg, ".") + " (" + strings.Join(names, ", ") + ")."
		audit.Name(r.Context(), model.ActionConnectionImport, model.ConnectionTarget(strings.Join(names, ", ")))
	}
	redirect(w, r, "/connections?flash="+h.flashes.add(pages.Flash{Message: msg}))
}
