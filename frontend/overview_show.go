package frontend

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// showOverview renders the home page: facts about this installation.
func (h *Handler) showOverview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o := pages.Overview{
		Version:   h.info.Version,
		Mode:      "server",
		Addr:      h.info.Addr,
		DataDir:   h.info.DataDir,
		DBPath:    h.info.DBPath,
		DAGDir:    h.info.DAGDir,
		StartedAt: h.info.StartedAt,
		Now:       h.now(),
	}
	if h.info.Desktop {
		o.Mode = "desktop"
	}
	var err error
	if o.DBSize, err = h.inst.Size(); err != nil {
		h.serverError(w, r, "read the database size", err)
		return
	}
	if o.SchemaVersion, err = h.inst.SchemaVersion(ctx); err != nil {
		h.serverError(w, r, "read the schema version", err)
		return
	}
	if o.AuditEvents, err = h.store.CountAuditEvents(ctx, model.AuditFilter{}); err != nil {
		h.serverError(w, r, "count audit events", err)
		return
	}
	if o.DAGFiles, err = dagFiles(h.info.DAGDir); err != nil {
		h.serverError(w, r, "list the DAG folder", err)
		return
	}
	h.render(w, r, http.StatusOK, pages.OverviewPage(h.chrome(ctx, "overview"), o))
}

// dagFiles lists the YAML files in dir, sorted; a missing dir has none.
func dagFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}
