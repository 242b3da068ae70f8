package engine

import (
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/model"
)

var zeroTime time.Time

// onReport applies an executor's report. Reports about a try that is no
// longer current (a cleared or cancelled task) are dropped.
func (e *Engine) onReport(rep Report) {
	ar, ok := e.runs[rep.RunID]
	if !ok {
		return
	}
	i := ar.plan.Index(rep.TaskID)
	if i < 0 || ar.tasks[i].Try != rep.Try {
		return
	}
	row := &ar.tasks[i]
	if rep.Started {
		switch ar.phases[i] {
		case submitted:
			ar.phases[i] = executing
			row.State, row.StartedAt, row.EndedAt = model.TaskRunning, rep.At, zeroTime
		case executing: // a later report of the try names its process
		default:
			return
		}
		// Written with the running state, so that a restart after a crash
		// finds what the try left running (see endLeftovers).
		row.Process = rep.Process
		e.journal.task(*row, false)
		return
	}
	if ar.phases[i] != submitted && ar.phases[i] != executing {
		return
	}
	e.release(ar, i)
	row.Process = model.Process{}
	if row.StartedAt.IsZero() {
		row.StartedAt = rep.At
	}
	row.ExitCode = rep.ExitCode
	switch {
	case rep.Err == "":
		e.finishTask(ar, i, model.TaskSuccess, "", rep.Outputs)
	case rep.Cancelled || ar.cancelling:
		e.finishTask(ar, i, model.TaskCancelled, rep.Err, nil)
	default:
		e.failTry(ar, i, rep.Err, rep.At)
	}
}

// failTry ends a failed try: the task waits for its retry, or fails.
func (e *Engine) failTry(ar *activeRun, i int, reason string, at time.Time) {
	t, row := ar.spec(i), &ar.tasks[i]
	reason = ar.secrets.mask(reason)
	if row.Try >= row.MaxTries {
		e.finishTask(ar, i, model.TaskFailed, reason, nil)
		return
	}
	delay := retryDelay(ar.dag.Defaults, t, row.Try+1)
	row.State, row.EndedAt, row.Error = model.TaskUpForRetry, at, reason
	row.NextTryAt = at.Add(delay)
	ar.phases[i] = backoff
	e.journal.task(*row, true)
	e.retryAfter(ar, i, row.Try, delay)
}

// retryAfter schedules the next try of task i once delay has passed.
func (e *Engine) retryAfter(ar *activeRun, i, try int, delay time.Duration) {
	timer := e.clock.NewTimer(delay)
	go func() {
		select {
		case <-timer.C():
		case <-e.stopped:
			timer.Stop()
			return
		}
		e.post(func() {
			if e.runs[ar.run.ID] == ar && ar.phases[i] == backoff && ar.tasks[i].Try == try && !ar.cancelling {
				e.enqueue(ar, i)
			}
		})
	}()
}

// finishTask puts task i in a final state and lets its downstream tasks
// react.
func (e *Engine) finishTask(ar *activeRun, i int, state model.TaskState, reason string, outputs map[string]string) {
	row := &ar.tasks[i]
	wasTry := ar.phases[i] == submitted || ar.phases[i] == executing
	reason, outputs = ar.secrets.mask(reason), ar.secrets.maskOutputs(outputs)
	row.State, row.Error, row.Outputs, row.NextTryAt = state, reason, outputs, zeroTime
	row.EndedAt = e.clock.Now()
	ar.phases[i] = finished
	ar.done++
	if state == model.TaskSuccess {
		ar.setOutputs(row.TaskID, outputs)
	}
	e.journal.task(*row, wasTry)
	for _, down := range ar.plan.DownstreamIdx(i) {
		ar.tallies[down].add(state)
		e.evaluate(ar, down)
	}
	if ar.done == len(ar.tasks) {
		e.finishRun(ar)
	}
}

// startRun moves a run from queued to running and starts its root tasks.
func (e *Engine) startRun(ar *activeRun) {
	// A cleared run that starts again keeps the time it first started.
	ar.run.State = model.RunRunning
	if ar.run.StartedAt.IsZero() {
		ar.run.StartedAt = e.clock.Now()
	}
	e.running[ar.run.DAG]++
	e.journal.run(ar.run)
	e.resume(ar)
}

// resume dispatches whatever is ready in a running run.
func (e *Engine) resume(ar *activeRun) {
	if ar.done == len(ar.tasks) {
		e.finishRun(ar)
		return
	}
	for _, i := range ar.plan.OrderIdx() {
		e.evaluate(ar, i)
	}
}

// finishRun records the run's outcome, then starts the next queued run of
// the same DAG. Waiters hear of the outcome once it is in the store.
func (e *Engine) finishRun(ar *activeRun) {
	if ar.run.State.Done() {
		return
	}
	if ar.run.State == model.RunRunning {
		e.running[ar.run.DAG]--
	}
	ar.run.State, ar.run.EndedAt = runOutcome(ar.tasks), e.clock.Now()
	if ar.cancelling {
		ar.run.State = model.RunCancelled
	}
	if ar.run.State == model.RunFailed && ar.run.Error == "" {
		ar.run.Error = failedTasks(ar)
	}
	ar.run.Error = ar.secrets.mask(ar.run.Error)
	delete(e.runs, ar.run.ID)
	e.journal.run(ar.run)

	final, waiters := ar.run, ar.waiters
	e.finishing[final.ID] = waiters
	e.journal.afterCommit(func() {
		e.post(func() {
			for _, w := range e.finishing[final.ID] {
				w <- final
			}
			delete(e.finishing, final.ID)
		})
	})
	e.startQueued(ar.run.DAG)
}

// startQueued starts queued runs of a DAG while it has room.
func (e *Engine) startQueued(name string) {
	for len(e.queued[name]) > 0 {
		next := e.queued[name][0]
		if e.running[name] >= maxActive(next.dag) {
			return
		}
		e.queued[name] = e.queued[name][1:]
		e.startRun(next)
	}
}

func maxActive(d *dag.DAG) int {
	if d.MaxActiveRuns > 0 {
		return d.MaxActiveRuns
	}
	return dag.DefaultMaxActiveRuns
}

// failedTasks names the tasks that made a run fail, for its error field.
func failedTasks(ar *activeRun) string {
	var names []string
	var why string
	for _, t := range ar.tasks {
		if t.State == model.TaskFailed {
			names = append(names, t.TaskID)
			why = t.Error
		}
	}
	switch len(names) {
	case 0:
		return "an upstream task failed"
	case 1:
		// Its own error says why, so the run's says it too: "task
		// load failed: exit status 1; stderr: psql: connection refused".
		if why = model.ErrorSummary(why, 300); why != "" {
			return "task " + names[0] + " failed: " + why
		}
		return "task " + names[0] + " failed"
	}
	if len(names) > 5 {
		return "tasks " + strings.Join(names[:5], ", ") + " and others failed"
	}
	return "tasks " + strings.Join(names, ", ") + " failed"
}
