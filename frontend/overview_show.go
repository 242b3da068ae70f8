package frontend

import (
	"cmp"
	"context"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/pages"
)

// How much of each kind of run the Overview lists; the runs list has the
// rest.
const (
	overviewRunning  = 20
	overviewFailures = 10
	overviewNextRuns = 5
)

// showOverview renders the home page: what runs now, what failed in the
// last day, what runs next, and facts about this installation.
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
	if err := h.overviewRuns(ctx, &o); err != nil {
		h.serverError(w, r, "read the recent runs", err)
		return
	}
	dags, err := h.flows.DAGs(ctx)
	if err != nil {
		h.serverError(w, r, "list the DAGs", err)
		return
	}
	o.NextRuns = h.nextRuns(dags)
	for _, d := range dags {
		o.DAGFiles = append(o.DAGFiles, pages.DAGFile{File: filepath.Base(d.File), DAG: d.Name})
	}
	slices.SortFunc(o.DAGFiles, func(a, b pages.DAGFile) int { return cmp.Compare(a.File, b.File) })
	if h.vms != nil {
		if o.VMs, err = h.overviewVMs(ctx); err != nil {
			h.serverError(w, r, "read the VMs", err)
			return
		}
	}
	h.render(w, r, http.StatusOK, pages.OverviewPage(h.chrome(ctx, "overview"), o))
}

// overviewVMs sums up the inventory: VMs running per connection, what the
// running ones cost a day, and the forgotten ones.
func (h *Handler) overviewVMs(ctx context.Context) (*pages.VMSummary, error) {
	vms, err := h.vms.VMs(ctx, "", false)
	if err != nil {
		return nil, err
	}
	s := &pages.VMSummary{}
	byConn := map[string]*pages.VMCount{}
	perDay := map[string]float64{}
	for _, vm := range vms {
		c := byConn[vm.Connection]
		if c == nil {
			c = &pages.VMCount{Connection: vm.Connection, Kind: string(vm.Kind)}
			byConn[vm.Connection] = c
		}
		c.Total++
		if vm.State == model.VMRunning {
			c.Running++
		}
		if row := h.vmRow(vm); row.CostUnit != "" {
			perDay[row.CostUnit] += row.Cost * 24
		}
	}
	for _, k := range slices.Sorted(maps.Keys(byConn)) {
		s.Running = append(s.Running, *byConn[k])
	}
	var costs []string
	for _, u := range slices.Sorted(maps.Keys(perDay)) {
		costs = append(costs, pages.Money(perDay[u], u)+"/day")
	}
	s.PerDay = strings.Join(costs, " · ")
	forgotten, err := h.vms.ForgottenAmong(ctx, vms, cloud.ForgottenAfter, h.prices, h.vms)
	if err != nil {
		return nil, err
	}
	for _, f := range forgotten {
		fv := pages.ForgottenVM{Name: f.VM.Name, URL: pages.VMURL(f.VM.Connection, f.VM.ID), Connection: f.VM.Connection, Since: f.Since, SoFar: "–", PerDay: "–"}
		if f.Priced {
			fv.SoFar, fv.PerDay = pages.Money(f.SoFar, f.Price.Unit), pages.Money(f.PerDay, f.Price.Unit)
		}
		s.Forgotten = append(s.Forgotten, fv)
	}
	return s, nil
}

// overviewRuns fills in the runs active now and those that failed in the
// last 24 hours (queued in them), with their tasks read in one query.
func (h *Handler) overviewRuns(ctx context.Context, o *pages.Overview) error {
	active, err := h.history.Runs(ctx, model.RunFilter{States: []model.RunState{model.RunRunning, model.RunQueued}, Limit: overviewRunning})
	if err != nil {
		return err
	}
	failed, err := h.history.Runs(ctx, model.RunFilter{
		States: []model.RunState{model.RunFailed}, From: o.Now.Add(-24 * time.Hour), Limit: overviewFailures,
	})
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(active)+len(failed))
	for _, r := range slices.Concat(active, failed) {
		ids = append(ids, r.ID)
	}
	tasks := map[int64][]model.TaskRun{}
	if len(ids) > 0 {
		all, err := h.history.TaskRunsOf(ctx, ids)
		if err != nil {
			return err
		}
		for _, t := range all {
			tasks[t.RunID] = append(tasks[t.RunID], t)
		}
	}
	for _, r := range active {
		a := pages.ActiveRun{Run: r, Tasks: len(tasks[r.ID])}
		for _, t := range tasks[r.ID] {
			if t.State.Done() {
				a.Done++
			}
		}
		o.Running = append(o.Running, a)
	}
	for _, r := range failed {
		o.Failures = append(o.Failures, failure(r, tasks[r.ID]))
	}
	return nil
}

// failure names the failed tasks of a run, by id, and the first line of
// what went wrong: the first failed task's error, else the run's.
func failure(r model.Run, tasks []model.TaskRun) pages.FailedRun {
	slices.SortFunc(tasks, func(a, b model.TaskRun) int { return cmp.Compare(a.TaskID, b.TaskID) })
	f := pages.FailedRun{Run: r}
	for _, t := range tasks {
		if t.State == model.TaskFailed {
			f.Tasks = append(f.Tasks, t.TaskID)
			if f.Error == "" {
				f.Error = firstLine(t.Error)
			}
		}
	}
	if f.Error == "" {
		f.Error = firstLine(r.Error)
	}
	return f
}

// firstLine sums up an error on one line for the failures table.
func firstLine(s string) string { return model.ErrorSummary(s, 200) }

// nextRuns lists the scheduled DAGs that run soonest, with their zones.
func (h *Handler) nextRuns(dags []workflow.DAG) []pages.NextRun {
	var out []pages.NextRun
	for _, d := range dags {
		if d.Schedule == "" || d.Paused || d.NextRunAt.IsZero() {
			continue
		}
		n := pages.NextRun{DAG: d.Name, Schedule: dag.DescribeSchedule(d.Schedule), At: d.NextRunAt, Zone: time.Local}
		if e, err := h.flows.Entry(d.Name); err == nil && e.DAG != nil {
			n.Zone = e.DAG.Location()
		}
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b pages.NextRun) int { return a.At.Compare(b.At) })
	return out[:min(len(out), overviewNextRuns)]
}
