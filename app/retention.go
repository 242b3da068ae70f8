package app

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// retentionEvery is how often old task logs are swept.
const retentionEvery = time.Hour

// keepLogs applies the log retention settings until ctx ends: a sweep at
// start, then one an hour.
func (a *App) keepLogs(ctx context.Context) {
	cfg := a.Config.Engine
	if cfg.LogRetentionDays == 0 && cfg.LogRetentionRuns == 0 {
		return
	}
	for {
		active := map[int64]bool{}
		runs, err := a.Store.ActiveRuns(ctx)
		if err != nil {
			a.Logger.Warn("log retention: list active runs", "err", err)
		}
		for _, r := range runs {
			active[r.ID] = true
		}
		removed := 0
		if err == nil {
			removed = sweepLogs(a.Dir.Logs(), time.Now(), cfg.LogRetentionDays, cfg.LogRetentionRuns, active, a.Logger)
		}
		if removed > 0 {
			a.Logger.Info("old task logs removed", "runs", removed)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retentionEvery):
		}
	}
}

// sweepLogs removes the log folders of runs (logs/<dag>/<run id>/) older
// than days, and beyond the newest keepRuns of each DAG. A zero setting
// does not limit; runs in active are never touched. It returns how many run
// folders it removed. Run records stay in the database; only their log
// files go.
func sweepLogs(root string, now time.Time, days, keepRuns int, active map[int64]bool, logger *slog.Logger) int {
	dags, err := os.ReadDir(root)
	if err != nil {
		return 0
	}
	removed := 0
	for _, d := range dags {
		if !d.IsDir() {
			continue
		}
		runs := runDirs(filepath.Join(root, d.Name()))
		for i, r := range runs { // newest first
			tooMany := keepRuns > 0 && i >= keepRuns
			tooOld := days > 0 && now.Sub(r.modTime) > time.Duration(days)*24*time.Hour
			if (!tooMany && !tooOld) || active[r.id] {
				continue
			}
			if err := os.RemoveAll(r.path); err != nil {
				logger.Warn("remove old task logs", "path", r.path, "err", err)
				continue
			}
			removed++
		}
	}
	return removed
}

// lastWrite is when anything in a run's log folder was last written: a
// folder's own time changes only when a file is added, not when a running
// task's log grows.
func lastWrite(dir string) time.Time {
	var last time.Time
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.ModTime().After(last) {
			last = info.ModTime()
		}
	}
	if info, err := os.Stat(dir); err == nil && info.ModTime().After(last) {
		last = info.ModTime()
	}
	return last
}

type runDir struct {
	path    string
	id      int64
	modTime time.Time
}

// runDirs lists a DAG's run log folders, newest run first.
func runDirs(dir string) []runDir {
	entries, _ := os.ReadDir(dir)
	var out []runDir
	for _, e := range entries {
		id, err := strconv.ParseInt(e.Name(), 10, 64)
		if err != nil || !e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		out = append(out, runDir{path: path, id: id, modTime: lastWrite(path)})
	}
	slices.SortFunc(out, func(a, b runDir) int { return int(b.id - a.id) })
	return out
}
