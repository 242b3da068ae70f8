package engine

import (
	"maps"
	"time"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
)

// phase is where a task is inside the engine, finer than its stored state.
type phase uint8

const (
	pending   phase = iota // waiting for its trigger rule to decide
	rendering              // its templates are being rendered off the loop
	pooled                 // ready, waiting for a pool slot
	submitted              // handed to the executor, not started yet
	executing              // the executor reported it started
	backoff                // failed, waiting to retry
	finished               // in a final state
)

// activeRun is the in-memory state of a run the engine is working on.
type activeRun struct {
	run     model.Run
	dag     *dag.DAG
	plan    *dag.Plan
	tasks   []model.TaskRun // by plan index
	phases  []phase
	tallies []upstreamTally
	done    int // tasks finished
	data    dag.TemplateData
	// cancelling means a user cancelled the run: it ends cancelled once the
	// attempts still executing have stopped.
	cancelling bool
	waiters    []chan model.Run
	env        []string   // see attemptEnv
	secrets    runSecrets // see secrets.go

	args      []map[string]any // by plan index: arguments renderOff rendered
	renderOf  []uint64         // by plan index: the render a task waits for
	renderSeq uint64           // the last render started
	// snapshot is data's tasks as renders off the loop see them: a copy,
	// shared until the loop changes data.Tasks again (nil then).
	snapshot map[string]dag.TaskData
}

// newActiveRun prepares the in-memory state of a run from its definition
// and its task rows (all queued for a new run; anything for a recovered one).
func newActiveRun(r model.Run, d *dag.DAG, plan *dag.Plan, rows []model.TaskRun, vars runVars) *activeRun {
	n := plan.Len()
	ar := &activeRun{
		run: r, dag: d, plan: plan,
		tasks: make([]model.TaskRun, n), phases: make([]phase, n), tallies: make([]upstreamTally, n),
		args: make([]map[string]any, n), renderOf: make([]uint64, n),
		data: dag.TemplateData{
			Params: r.Params, Vars: vars.values, Tasks: map[string]dag.TaskData{},
			Run: runInfo(r),
		},
	}
	for _, row := range rows {
		if i := plan.Index(row.TaskID); i >= 0 {
			ar.tasks[i] = row
		}
	}
	ar.secrets.add(vars.secrets)
	ar.recount()
	return ar
}

// busy reports whether a task is on its way through a pool, the executor
// or a retry's delay: its phase is the engine's only record of that, and
// the task cannot be cleared or marked until it is done.
func (ph phase) busy() bool {
	return ph == rendering || ph == pooled || ph == submitted || ph == executing
}

// view is the template data for a render off the loop, which must not see
// data.Tasks change under it.
func (ar *activeRun) view() dag.TemplateData {
	if ar.snapshot == nil {
		ar.snapshot = maps.Clone(ar.data.Tasks)
	}
	v := ar.data
	v.Tasks = ar.snapshot
	return v
}

// setOutputs records what a finished task returned, for templates.
func (ar *activeRun) setOutputs(task string, outputs map[string]string) {
	ar.data.Tasks[task] = dag.TaskData{Outputs: outputs}
	ar.snapshot = nil
}

// forgetOutputs drops a cleared task's outputs.
func (ar *activeRun) forgetOutputs(task string) {
	delete(ar.data.Tasks, task)
	ar.snapshot = nil
}

// recount rebuilds the phases, tallies and done count from the task states.
// Busy tasks and tasks waiting to retry keep their phase: their attempt or
// timer is still out, and must not be started a second time.
func (ar *activeRun) recount() {
	ar.done = 0
	for i := range ar.tasks {
		t := &ar.tasks[i]
		ar.tallies[i] = upstreamTally{total: len(ar.plan.UpstreamIdx(i))}
		switch {
		case ar.phases[i].busy() || (ar.phases[i] == backoff && t.State == model.TaskUpForRetry):
		case t.State.Done():
			ar.phases[i] = finished
			ar.done++
			if t.State == model.TaskSuccess {
				ar.setOutputs(t.TaskID, t.Outputs)
			}
		case t.State == model.TaskUpForRetry:
			ar.phases[i] = backoff
		default:
			ar.phases[i] = pending
		}
	}
	for i := range ar.tasks {
		for _, down := range ar.plan.DownstreamIdx(i) {
			ar.tallies[down].add(ar.tasks[i].State)
		}
	}
}

// spec is the definition of task i: plans index tasks in file order.
func (ar *activeRun) spec(i int) *dag.Task { return &ar.dag.Tasks[i] }

// retryDelay is how long to wait before try number next (2, 3, ...).
func retryDelay(d dag.TaskDefaults, t *dag.Task, next int) time.Duration {
	delay, backoffKind, maxDelay := d.RetryDelay, d.RetryBackoff, d.RetryMaxDelay
	if t.RetryDelay != nil {
		delay = *t.RetryDelay
	}
	if t.RetryBackoff != "" {
		backoffKind = t.RetryBackoff
	}
	if t.RetryMaxDelay != nil {
		maxDelay = *t.RetryMaxDelay
	}
	if backoffKind == dag.BackoffExponential {
		for i := 2; i < next && (maxDelay == 0 || delay < maxDelay); i++ {
			delay *= 2
		}
	}
	if maxDelay > 0 && delay > maxDelay {
		delay = maxDelay
	}
	return delay
}

// maxTries is 1 + the retries a task is allowed.
func maxTries(d dag.TaskDefaults, t *dag.Task) int {
	if t.Retries != nil {
		return 1 + *t.Retries
	}
	return 1 + d.Retries
}

func timeout(d dag.TaskDefaults, t *dag.Task) time.Duration {
	if t.Timeout != nil {
		return *t.Timeout
	}
	return d.Timeout
}

func poolOf(d dag.TaskDefaults, t *dag.Task) string {
	if t.Pool != "" {
		return t.Pool
	}
	return d.Pool
}

func ruleOf(t *dag.Task) dag.TriggerRule {
	if t.TriggerRule == "" {
		return dag.AllSuccess
	}
	return t.TriggerRule
}
