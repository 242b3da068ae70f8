package engine_test

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/engine"
	"github.com/meshflow/meshflow/backend/model"
)

func TestChainPassesOutputsDownstream(t *testing.T) {
	r := newRig(t, nil)
	run := r.trigger(t, `
name: chain
params:
  who: {type: string, default: world}
tasks:
  - {id: a, op: step, with: {out: "hello {{ .params.who }}"}}
  - {id: b, op: step, needs: [a], with: {out: "{{ .tasks.a.outputs.v }}!"}}
  - {id: c, op: shell, needs: [b], with: {command: 'echo "x=$MESHFLOW_PARAM_WHO {{ .tasks.b.outputs.v }}" > "$MESHFLOW_OUTPUT"'}}
`, map[string]any{"who": "mesh"})
	got := r.wait(t, run.ID)
	if got.State != model.RunSuccess {
		t.Fatalf("run = %s (%s)", got.State, got.Error)
	}
	tasks := r.tasks(t, run.ID)
	if v := tasks["c"].Outputs["x"]; v != "mesh hello mesh!" {
		t.Errorf("c's output = %q, want %q", v, "mesh hello mesh!")
	}
	if got.StartedAt.IsZero() || got.EndedAt.IsZero() {
		t.Errorf("run times not recorded: %+v", got)
	}
}

func TestTriggerRules(t *testing.T) {
	r := newRig(t, nil)
	r.step.failFirst["bad"] = 99
	run := r.trigger(t, `
name: rules
tasks:
  - {id: good, op: step}
  - {id: bad, op: step}
  - {id: after_bad, op: step, needs: [bad]}
  - {id: cleanup, op: step, needs: [bad, after_bad], trigger_rule: all_done}
  - {id: alert, op: step, needs: [bad], trigger_rule: one_failed}
  - {id: no_alert, op: step, needs: [good], trigger_rule: one_failed}
  - {id: either, op: step, needs: [good, bad], trigger_rule: one_success}
  - {id: clean, op: step, needs: [good, no_alert], trigger_rule: none_failed}
  - {id: all_bad, op: step, needs: [bad, after_bad], trigger_rule: all_failed}
  - {id: skipped_child, op: step, needs: [no_alert]}
`, nil)
	got := r.wait(t, run.ID)
	want := map[string]model.TaskState{
		"good": model.TaskSuccess, "bad": model.TaskFailed, "after_bad": model.TaskUpstreamFailed,
		"cleanup": model.TaskSuccess, "alert": model.TaskSuccess, "no_alert": model.TaskSkipped,
		"either": model.TaskSuccess, "clean": model.TaskSuccess, "all_bad": model.TaskSuccess,
		"skipped_child": model.TaskSkipped,
	}
	if states := r.states(t, run.ID); !maps.Equal(states, want) {
		t.Errorf("states:\n got %v\nwant %v", states, want)
	}
	// The cleanup ran, but the run still failed: that is what happened.
	if got.State != model.RunFailed || !strings.Contains(got.Error, "bad failed") {
		t.Errorf("run = %s %q, want failed naming task bad", got.State, got.Error)
	}
}

func TestRetriesWithExponentialBackoff(t *testing.T) {
	r := newRig(t, nil)
	r.step.failFirst["flaky"] = 2
	run := r.trigger(t, `
name: retry
defaults: {retries: 3, retry_delay: 10s, retry_backoff: exponential, retry_max_delay: 15s}
tasks:
  - {id: flaky, op: step}
`, nil)
	start := r.clock.Now()
	// Try 1 fails; try 2 waits 10 s. Try 2 fails; try 3 waits 20 s, capped at 15 s.
	for i, delay := range []time.Duration{10 * time.Second, 15 * time.Second} {
		r.clock.WaitForTimers(1)
		if err := r.engine.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		row := r.tasks(t, run.ID)["flaky"]
		if row.State != model.TaskUpForRetry || row.Try != i+1 {
			t.Fatalf("after try %d: %+v", i+1, row)
		}
		if want := row.EndedAt.Add(delay); !row.NextTryAt.Equal(want) {
			t.Fatalf("try %d: next try at %v, want %v (+%v)", i+2, row.NextTryAt, want, delay)
		}
		r.clock.Advance(delay - time.Millisecond)
		if r.clock.Timers() != 1 {
			t.Fatalf("retried before its delay")
		}
		r.clock.Advance(time.Millisecond)
	}
	got := r.wait(t, run.ID)
	if got.State != model.RunSuccess || r.step.tries["flaky"] != 3 {
		t.Fatalf("run = %s after %d tries", got.State, r.step.tries["flaky"])
	}
	if elapsed := r.clock.Now().Sub(start); elapsed != 25*time.Second {
		t.Errorf("fake time spent = %v, want 25s", elapsed)
	}
}

func TestRetriesRunOut(t *testing.T) {
	r := newRig(t, nil)
	r.step.failFirst["never"] = 99
	run := r.trigger(t, "name: out\ntasks:\n  - {id: never, op: step, retries: 1, retry_delay: 1s}\n", nil)
	r.clock.WaitForTimers(1)
	r.clock.Advance(time.Second)
	got := r.wait(t, run.ID)
	row := r.tasks(t, run.ID)["never"]
	if got.State != model.RunFailed || row.State != model.TaskFailed || row.Try != 2 || !strings.Contains(row.Error, "try 2") {
		t.Fatalf("run %s, task %+v", got.State, row)
	}
}

func TestPoolLimitsConcurrency(t *testing.T) {
	r := newRig(t, map[string]int{"cloud": 2})
	gates := map[string]chan struct{}{}
	for _, id := range []string{"a", "b", "c", "d"} {
		gates[id] = r.step.gate(id)
	}
	run := r.trigger(t, `
name: pooled
defaults: {pool: cloud}
tasks:
  - {id: a, op: step}
  - {id: b, op: step}
  - {id: c, op: step}
  - {id: d, op: step}
`, nil)
	eventually(t, "two tasks running", func() bool {
		r.step.mu.Lock()
		defer r.step.mu.Unlock()
		return len(r.step.running) == 2
	})
	for _, g := range gates {
		close(g)
	}
	if got := r.wait(t, run.ID); got.State != model.RunSuccess {
		t.Fatalf("run = %s", got.State)
	}
	if r.step.maxAtOnce != 2 {
		t.Errorf("at most %d ran at once, want the pool's 2", r.step.maxAtOnce)
	}
}

func TestMaxActiveRunsQueuesAndSkips(t *testing.T) {
	r := newRig(t, nil)
	gate := r.step.gate("slow")
	src := "name: one\ntasks:\n  - {id: slow, op: step}\n"
	first := r.trigger(t, src, nil)
	second := r.trigger(t, src, nil)
	if second.State != model.RunQueued {
		t.Fatalf("second run = %s, want queued behind the first", second.State)
	}
	_, err := r.engine.Trigger(t.Context(), engine.TriggerRequest{DAG: load(t, src), Source: []byte(src), Trigger: model.TriggerSchedule})
	if !errors.Is(err, engine.ErrSkipped) {
		t.Fatalf("scheduled run while busy: %v, want ErrSkipped", err)
	}
	close(gate)
	if got := r.wait(t, first.ID); got.State != model.RunSuccess {
		t.Fatalf("first run = %s", got.State)
	}
	got := r.wait(t, second.ID)
	if got.State != model.RunSuccess || got.StartedAt.IsZero() {
		t.Fatalf("queued run = %+v, want it started after the first and succeeded", got)
	}
}

func TestCancelStopsRunningAndPendingTasks(t *testing.T) {
	r := newRig(t, nil)
	r.step.gate("long")
	run := r.trigger(t, `
name: cancel
tasks:
  - {id: long, op: step}
  - {id: next, op: step, needs: [long]}
`, nil)
	eventually(t, "long running", func() bool {
		r.step.mu.Lock()
		defer r.step.mu.Unlock()
		return r.step.running["long"]
	})
	if err := r.engine.Cancel(t.Context(), run.ID); err != nil {
		t.Fatal(err)
	}
	got := r.wait(t, run.ID)
	want := map[string]model.TaskState{"long": model.TaskCancelled, "next": model.TaskCancelled}
	if got.State != model.RunCancelled || !maps.Equal(r.states(t, run.ID), want) {
		t.Fatalf("run %s, tasks %v", got.State, r.states(t, run.ID))
	}
	if err := r.engine.Cancel(t.Context(), run.ID); err == nil || !strings.Contains(err.Error(), "already ended") {
		t.Errorf("second cancel: %v", err)
	}
}

func TestRetryFailedTasksOfAnEndedRun(t *testing.T) {
	r := newRig(t, nil)
	r.step.failFirst["b"] = 1
	run := r.trigger(t, `
name: clear
tasks:
  - {id: a, op: step}
  - {id: b, op: step, needs: [a]}
  - {id: c, op: step, needs: [b]}
`, nil)
	first := r.wait(t, run.ID)
	if first.State != model.RunFailed {
		t.Fatalf("first attempt: %s", first.State)
	}
	startedAt := first.StartedAt
	r.clock.Advance(time.Hour)
	if err := r.engine.Retry(t.Context(), run.ID, true); err != nil {
		t.Fatal(err)
	}
	got := r.wait(t, run.ID)
	if got.State != model.RunSuccess {
		t.Fatalf("after retry: %s %v", got.State, r.states(t, run.ID))
	}
	if r.step.tries["a"] != 1 || r.step.tries["b"] != 2 || r.step.tries["c"] != 1 {
		t.Errorf("tries = %v: a must not rerun, b twice, c once", r.step.tries)
	}
	if row := r.tasks(t, run.ID)["b"]; row.Try != 2 || row.MaxTries != 2 {
		t.Errorf("b try %d of %d, want 2 of 2: history kept, and the retry budget raised by the clear is stored", row.Try, row.MaxTries)
	}
	tries, err := r.store.Tries(t.Context(), run.ID)
	if err != nil {
		t.Fatal(err)
	}
	var b []model.TaskState
	for _, try := range tries {
		if try.TaskID == "b" {
			b = append(b, try.State)
		}
	}
	if !slices.Equal(b, []model.TaskState{model.TaskFailed, model.TaskSuccess}) {
		t.Errorf("b's tries = %v, want the failed one before the clear kept beside the new one", b)
	}
	if first := r.wait(t, run.ID); !first.StartedAt.Equal(startedAt) {
		t.Errorf("the run's start moved from %v to %v on retry: it started when it first started", startedAt, first.StartedAt)
	}
}

func TestMarkSuccessLetsDownstreamRun(t *testing.T) {
	r := newRig(t, nil)
	gate := r.step.gate("wait_for_human")
	run := r.trigger(t, `
name: mark
tasks:
  - {id: approval, op: step, when: "{{ eq .params.auto \"yes\" }}"}
  - {id: wait_for_human, op: step}
  - {id: deploy, op: step, needs: [approval, wait_for_human]}
params:
  auto: {type: string, default: "no"}
`, nil)
	if err := r.engine.Mark(t.Context(), run.ID, "wait_for_human", model.TaskSuccess); err == nil {
		t.Fatal("marking an executing task must be refused")
	}
	close(gate)
	got := r.wait(t, run.ID)
	if s := r.states(t, run.ID); s["approval"] != model.TaskSkipped || s["deploy"] != model.TaskSkipped {
		t.Fatalf("states = %v: approval skipped by when, deploy skipped after it", s)
	}
	// A person approves by hand, then asks deploy to run again.
	if err := r.engine.Mark(t.Context(), run.ID, "approval", model.TaskSuccess); err != nil {
		t.Fatal(err)
	}
	if err := r.engine.Clear(t.Context(), run.ID, []string{"deploy"}, false); err != nil {
		t.Fatal(err)
	}
	got = r.wait(t, run.ID)
	if s := r.states(t, run.ID); got.State != model.RunSuccess || s["deploy"] != model.TaskSuccess {
		t.Fatalf("after mark: run %s, %v", got.State, s)
	}
}

func TestParamsAreCheckedBeforeARunExists(t *testing.T) {
	r := newRig(t, nil)
	d := load(t, `
name: p
params:
  n: {type: int, required: true}
  env: {type: enum, values: [dev, prod], default: dev}
tasks:
  - {id: a, op: noop}
`)
	_, err := r.engine.Trigger(t.Context(), engine.TriggerRequest{
		DAG: d, Source: []byte("x"), Trigger: model.TriggerManual,
		Params: map[string]any{"env": "staging", "typo": 1},
	})
	for _, want := range []string{"param n is required", "staging is not one of dev, prod", "param typo is not declared"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
	runs, _ := r.store.Runs(t.Context(), model.RunFilter{})
	if len(runs) != 0 {
		t.Errorf("a run was created despite bad params: %+v", runs)
	}
}

// Clearing one task of a running run must leave the tasks still executing
// alone: they used to be counted as pending again and started a second
// time, their first try's pool slot never returned.
func TestClearDuringARunLeavesExecutingTasksAlone(t *testing.T) {
	r := newRig(t, map[string]int{"one": 1})
	r.step.failFirst["flaky"] = 1
	gate := r.step.gate("long")
	run := r.trigger(t, `
name: busy
tasks:
  - {id: flaky, op: step}
  - {id: long, op: step, pool: one}
  - {id: also, op: step, pool: one, needs: [flaky]}
`, nil)
	eventually(t, "flaky failed and long running", func() bool {
		r.step.mu.Lock()
		defer r.step.mu.Unlock()
		return r.step.running["long"] && r.step.tries["flaky"] == 1 && !r.step.running["flaky"]
	})
	if err := r.engine.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	eventually(t, "flaky failed", func() bool { return r.states(t, run.ID)["flaky"] == model.TaskFailed })
	if err := r.engine.Retry(t.Context(), run.ID, true); err != nil {
		t.Fatal(err)
	}
	close(gate)
	got := r.wait(t, run.ID)
	if got.State != model.RunSuccess {
		t.Fatalf("run = %s (%s), tasks %v", got.State, got.Error, r.states(t, run.ID))
	}
	r.step.mu.Lock()
	defer r.step.mu.Unlock()
	if r.step.tries["long"] != 1 || r.step.tries["also"] != 1 || r.step.tries["flaky"] != 2 {
		t.Errorf("tries = %v, want long and also once, flaky twice", r.step.tries)
	}
}
