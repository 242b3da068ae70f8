package engine

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

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

// prepare checks the task's `when` condition and queues it for a pool
// slot. A task whose `when` or arguments hold templates is rendered off
// the loop first (see renderOff): a template may take long, and the loop
// serves every run.
func (e *Engine) prepare(ar *activeRun, i int) {
	t := ar.spec(i)
	ar.args[i] = nil
	if t.When != "" || templated(t.With) {
		e.renderOff(ar, i)
		return
	}
	e.enqueue(ar, i)
}

// rendered is what rendering a task's `when` and arguments gave.
type rendered struct {
	ok      bool           // `when` holds, or there is none
	args    map[string]any // the arguments, if ok
	secrets []string       // secret values the templates resolved
	err     error
}

// renderOff renders task i's templates on a goroutine of their own, within
// the engine's render time limit (the size limit is dag.Render's), and
// goes on with the result on the loop. Go templates cannot be stopped: one
// over the limit fails its task at once, and its goroutine is left to end
// on its own time, its result unused.
func (e *Engine) renderOff(ar *activeRun, i int) {
	t, data, secret := ar.spec(i), ar.view(), e.opts.Secret
	e.secrets(ar) // resolved on the loop, once per run
	ar.renderSeq++
	seq := ar.renderSeq
	ar.phases[i], ar.renderOf[i] = rendering, seq
	result := make(chan rendered, 1)
	go func() { result <- renderTask(t, data, secret) }()
	limit := e.opts.RenderTimeout
	go func() {
		timer := time.NewTimer(limit)
		defer timer.Stop()
		var res rendered
		select {
		case res = <-result:
		case <-timer.C:
			res.err = fmt.Errorf("its templates took longer than %s to render: make them simpler", limit)
		}
		e.post(func() { e.onRendered(ar, i, seq, res) })
	}()
}

// renderTask renders t's `when` and, if it holds, its arguments.
func renderTask(t *dag.Task, data dag.TemplateData, secret dag.SecretFunc) rendered {
	res := rendered{ok: true}
	if t.When != "" {
		ok, used, err := dag.RenderWhen(t.When, data, secret)
		res.secrets = used
		if err != nil || !ok {
			res.ok, res.err = false, err // it says "when: ..."
			return res
		}
	}
	args, used, err := dag.RenderArgs(t.With, data, secret)
	res.args, res.secrets, res.err = args, append(res.secrets, used...), err
	return res
}

// onRendered goes on with task i once its templates rendered, unless it
// was cancelled (or cleared and rendered again) meanwhile.
func (e *Engine) onRendered(ar *activeRun, i int, seq uint64, res rendered) {
	ar.secrets.add(res.secrets)
	if e.runs[ar.run.ID] != ar || ar.phases[i] != rendering || ar.renderOf[i] != seq {
		return
	}
	ar.phases[i] = pending
	switch {
	case res.err != nil:
		e.finishTask(ar, i, model.TaskFailed, res.err.Error(), nil)
	case !res.ok:
		e.finishTask(ar, i, model.TaskSkipped, "its when condition is false", nil)
	default:
		ar.args[i] = res.args
		e.enqueue(ar, i)
	}
}

// templated reports whether any string in an op's arguments holds a
// template.
func templated(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, "{{")
	case map[string]any:
		for _, x := range v {
			if templated(x) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if templated(x) {
				return true
			}
		}
	}
	return false
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

// submit hands a new try to the executor.
func (e *Engine) submit(ar *activeRun, i int) {
	t, row := ar.spec(i), &ar.tasks[i]
	secrets := e.secrets(ar)
	args := ar.args[i] // rendered by renderOff, or template-free
	if args == nil {
		var used []string
		var err error
		args, used, err = dag.RenderArgs(t.With, ar.data, e.opts.Secret)
		secrets.add(used)
		if err != nil {
			e.release(ar, i)
			e.finishTask(ar, i, model.TaskFailed, err.Error(), nil)
			return
		}
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
