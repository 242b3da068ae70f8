package engine

import (
	"context"
	"errors"
	"strconv"
	"sync"

	"github.com/meshflow/meshflow/backend/model"
)

// Leftover is a try that was executing when a previous meshflow process
// died, with the processes it recorded: they may still run. A zero
// Process means the journal had not committed one; the executor may still
// have recorded it elsewhere.
type Leftover struct {
	DAG     string
	RunID   int64
	TaskID  string
	Try     int
	Op      string
	Process model.Process
	// Marks are entries of the try's environment (see attemptEnv) that
	// every process it started inherited, which tell them apart from
	// other processes.
	Marks []string
}

// LeftoverEnder is an Executor that can end what a try left running when
// meshflow died. An executor without it cannot, and its interrupted tries
// that recorded a process are failed rather than run a second copy.
type LeftoverEnder interface {
	// EndLeftover ends l's processes and returns the pids it ended. An
	// error means they may still run.
	EndLeftover(ctx context.Context, l Leftover) ([]int, error)
}

// errCannotEnd is why a leftover of an executor without EndLeftover stays.
var errCannotEnd = errors.New("its executor cannot end processes")

// endLeftovers ends what the interrupted tries of the recovered runs left
// running, all at once so that the slowest, not their sum, bounds how long
// a restart waits, and before any of them is retried. It returns the tries
// whose processes could not be ended, with why.
func (e *Engine) endLeftovers(ctx context.Context) (map[taskKey]error, error) {
	var found []Leftover
	for _, ar := range e.runs {
		if ar.run.State != model.RunRunning {
			continue
		}
		for i, row := range ar.tasks {
			leftover := func(try int, p model.Process) Leftover {
				return Leftover{
					DAG: ar.run.DAG, RunID: row.RunID, TaskID: row.TaskID, Try: try, Op: ar.spec(i).Op,
					Process: p, Marks: tryMarks(row.RunID, row.TaskID, try),
				}
			}
			if interruptedTry(row) && !row.Process.IsZero() {
				found = append(found, leftover(row.Try, row.Process))
			}
			if !row.State.Done() {
				// Submitting a try is not journaled: the try after the
				// committed one may have started, its process unrecorded.
				found = append(found, leftover(row.Try+1, model.Process{}))
			}
		}
	}
	ended, errs := make([][]int, len(found)), make([]error, len(found))
	ender, ok := e.exec.(LeftoverEnder)
	var wg sync.WaitGroup
	for k, l := range found {
		if !ok {
			if !l.Process.IsZero() {
				errs[k] = errCannotEnd
			}
			continue
		}
		wg.Go(func() { ended[k], errs[k] = ender.EndLeftover(ctx, l) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err // stopping: the next start tries again
	}
	unended := map[taskKey]error{}
	for k, l := range found {
		if len(ended[k]) > 0 {
			e.logger.Info("engine: ended processes a previous meshflow left running",
				"run_id", l.RunID, "task_id", l.TaskID, "try", l.Try, "pids", ended[k])
		}
		if errs[k] != nil {
			e.logger.Error("engine: cannot end processes a previous meshflow left running; failing the task instead of retrying it",
				"run_id", l.RunID, "task_id", l.TaskID, "try", l.Try, "err", errs[k])
			unended[taskKey{l.RunID, l.TaskID}] = errs[k]
		}
	}
	return unended, nil
}

// tryMarks are the entries of attemptEnv that name the try.
func tryMarks(runID int64, task string, try int) []string {
	return []string{
		"MESHFLOW_RUN_ID=" + strconv.FormatInt(runID, 10),
		"MESHFLOW_TASK=" + task,
		"MESHFLOW_TRY=" + strconv.Itoa(try),
	}
}

// unendedReason is the error of an interrupted try whose processes may
// still run: retrying it would run a second copy beside them.
func unendedReason(pgid int, err error) string {
	group := ""
	if pgid != 0 {
		group = " (process group " + strconv.Itoa(pgid) + ")"
	}
	return interrupted + "; what it left running" + group + " could not be ended: " +
		err.Error() + ". Not retried, so that two copies never run at once: end those processes, then retry the task"
}
