package app

import (
	"context"
	"time"

	"github.com/meshflow/meshflow/backend/tasklog"
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
			var failed []error
			removed, failed = tasklog.Dir(a.Dir.Logs()).Sweep(time.Now(),
				tasklog.Retention{Days: cfg.LogRetentionDays, Runs: cfg.LogRetentionRuns}, active)
			for _, err := range failed {
				a.Logger.Warn("remove old task logs", "err", err)
			}
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
