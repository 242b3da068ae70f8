package tasklog

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// Retention says which runs' logs to keep; a zero field does not limit.
type Retention struct {
	Days int // remove the logs of runs last written longer ago than this
	Runs int // keep the logs of only the newest Runs runs of each DAG
}

// Sweep removes the log folders of runs beyond the retention, never those
// of the runs in active (queued or running ones). Run records stay in the
// database; only their log files go. It returns how many runs' logs it
// removed, and the folders it could not remove.
func (d Dir) Sweep(now time.Time, keep Retention, active map[int64]bool) (removed int, failed []error) {
	if keep.Days == 0 && keep.Runs == 0 {
		return 0, nil
	}
	dags, err := os.ReadDir(string(d))
	if err != nil {
		return 0, nil
	}
	for _, dg := range dags {
		if !dg.IsDir() {
			continue
		}
		for i, r := range runDirs(filepath.Join(string(d), dg.Name())) { // newest first
			tooMany := keep.Runs > 0 && i >= keep.Runs
			tooOld := keep.Days > 0 && now.Sub(r.modTime) > time.Duration(keep.Days)*24*time.Hour
			if (!tooMany && !tooOld) || active[r.id] {
				continue
			}
			if err := os.RemoveAll(r.path); err != nil {
				failed = append(failed, err)
				continue
			}
			removed++
		}
	}
	return removed, failed
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
