package engine

import "context"

// PoolWait is why a task that is ready to run has not started: every slot
// of its pool is taken.
type PoolWait struct {
	Pool  string // the pool's name; "" is the default pool
	Slots int    // how many tasks the pool runs at once
	Ahead int    // tasks before this one in the pool's line
}

// PoolWaits reports the tasks of run runID that wait for a pool slot, by
// task id; none for a run the engine is not working on. Only the engine
// knows this: a pool's line lives in memory.
func (e *Engine) PoolWaits(ctx context.Context, runID int64) (map[string]PoolWait, error) {
	out := map[string]PoolWait{}
	err := e.call(ctx, func() {
		ar := e.runs[runID]
		if ar == nil {
			return
		}
		for i, ph := range ar.phases {
			if ph != pooled {
				continue
			}
			name := poolOf(ar.dag.Defaults, ar.spec(i))
			p := e.pool(name)
			w := PoolWait{Pool: name, Slots: p.slots}
			for _, q := range p.waiting {
				if q.ar == ar && q.i == i {
					break
				}
				if q.ar.phases[q.i] == pooled {
					w.Ahead++
				}
			}
			out[ar.tasks[i].TaskID] = w
		}
	})
	return out, err
}
