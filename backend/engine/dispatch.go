package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
)

// pool limits how many attempts run at once.
type pool struct {
	slots, used int
	waiting     []poolEntry // FIFO
}

type poolEntry struct {
	ar *activeRun
	i  int
}

// evaluate applies task i's trigger rule and acts on the verdict.
func (e *Engine) evaluate(ar *activeRun, i int) {
	if ar.phases[i] != pending || ar.cancelling {
		return
	}
	switch decide(ruleOf(ar.spec(i)), ar.tallies[i]) {
	case run:
		e.prepare(ar, i)
	case skip:
		e.finishTask(ar, i, model.TaskSkipped, "", nil)
	case block:
		e.finishTask(ar, i, model.TaskUpstreamFailed, "an upstream task failed", nil)
	}
}

// prepare checks the task's `when` condition and queues it for a pool slot.
func (e *Engine) prepare(ar *activeRun, i int) {
	t := ar.spec(i)
	if t.When != "" {
		secrets := e.secrets(ar)
		ok, used, err := dag.RenderWhen(t.When, ar.data, e.opts.Secret)
		secrets.add(used)
		if err != nil {
			e.finishTask(ar, i, model.TaskFailed, err.Error(), nil) // it says "when: ..."
			return
		}
		if !ok {
			e.finishTask(ar, i, model.TaskSkipped, "its when condition is false", nil)
			return
		}
	}
	e.enqueue(ar, i)
}

// enqueue takes a pool slot for task i, or waits in the pool's line.
func (e *Engine) enqueue(ar *activeRun, i int) {
	p := e.pool(poolOf(ar.dag.Defaults, ar.spec(i)))
	ar.phases[i] = pooled
	if p.used < p.slots {
		p.used++
		e.submit(ar, i)
		return
	}
	p.waiting = append(p.waiting, poolEntry{ar, i})
}

// release frees task i's pool slot and gives it to the next in line.
func (e *Engine) release(ar *activeRun, i int) {
	p := e.pool(poolOf(ar.dag.Defaults, ar.spec(i)))
	p.used--
	for len(p.waiting) > 0 && p.used < p.slots {
		next := p.waiting[0]
		p.waiting = p.waiting[1:]
		if next.ar.phases[next.i] != pooled { // cancelled while waiting
			continue
		}
		p.used++
		e.submit(next.ar, next.i)
	}
}

// pool returns the named pool; an unknown name (a typo caught nowhere
// else) gets the default pool's size rather than blocking forever.
func (e *Engine) pool(name string) *pool {
	p, ok := e.pools[name]
	if !ok {
		p = &pool{slots: e.opts.Parallelism}
		e.pools[name] = p
		e.logger.Warn("engine: unknown pool; using the default size", "pool", name)
	}
	return p
}

// submit renders the task's arguments and hands a new try to the executor.
func (e *Engine) submit(ar *activeRun, i int) {
	t, row := ar.spec(i), &ar.tasks[i]
	secrets := e.secrets(ar)
	args, used, err := dag.RenderArgs(t.With, ar.data, e.opts.Secret)
	secrets.add(used)
	if err != nil {
		e.release(ar, i)
		e.finishTask(ar, i, model.TaskFailed, err.Error(), nil)
		return
	}
	row.Try++
	row.State, row.NextTryAt, row.Error, row.ExitCode = model.TaskQueued, zeroTime, "", nil
	ar.phases[i] = submitted
	e.exec.Submit(Attempt{
		DAG: ar.run.DAG, Queue: t.Queue, RunID: ar.run.ID, TaskID: t.ID, Try: row.Try, Op: t.Op,
		Args: args, Env: attemptEnv(ar, t.ID, row.Try), Timeout: timeout(ar.dag.Defaults, t), Secrets: secrets.list(),
	})
}

// attemptEnv is the MESHFLOW_* environment of a try's processes. The part
// shared by every try of the run is built once per run.
func attemptEnv(ar *activeRun, task string, try int) []string {
	if ar.env == nil {
		ar.env = runEnv(ar.run)
	}
	env := make([]string, 0, len(ar.env)+2)
	env = append(env, ar.env[:2]...)
	env = append(env, "MESHFLOW_TASK="+task, "MESHFLOW_TRY="+strconv.Itoa(try))
	return append(env, ar.env[2:]...)
}

// runEnv is the run's part of attemptEnv: MESHFLOW_DAG and MESHFLOW_RUN_ID
// (which come before the task's part), then the logical date and the params.
func runEnv(r model.Run) []string {
	env := []string{
		"MESHFLOW_DAG=" + r.DAG,
		"MESHFLOW_RUN_ID=" + strconv.FormatInt(r.ID, 10),
		"MESHFLOW_LOGICAL_DATE=" + r.LogicalDate.UTC().Format("2006-01-02T15:04:05Z"),
	}
	names := make([]string, 0, len(r.Params))
	for k := range r.Params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		env = append(env, "MESHFLOW_PARAM_"+strings.ToUpper(k)+"="+paramString(r.Params[k]))
	}
	return env
}

func paramString(v any) string {
	if list, ok := v.([]any); ok {
		parts := make([]string, len(list))
		for i, x := range list {
			parts[i] = fmt.Sprint(x)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}
