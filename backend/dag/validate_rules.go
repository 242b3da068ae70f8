package dag

// opTriggerDAG is the op that starts a run of another DAG. The format
// knows it by name for one check that only makes sense for it.
const opTriggerDAG = "trigger_dag"

// selfTrigger refuses a task that starts a run of its own DAG and waits
// for it: the child needs a slot of max_active_runs the waiting parent
// holds, so it queues forever (and with more slots, each child does the
// same one level down until they run out). Only the static case is caught,
// a literal dag: and a literal wait: true; templated ones are the engine's
// to fail at run time.
func (v *validator) selfTrigger() {
	for i, t := range v.d.Tasks {
		if t.Op != opTriggerDAG {
			continue
		}
		name, _ := t.With["dag"].(string)
		wait, _ := t.With["wait"].(bool)
		if !wait || name != v.d.Name || name == "" {
			continue
		}
		v.errs.add(v.taskPos(i, "with.dag"),
			"to start the DAG again after this run, drop wait: true (the new run queues until this one ends); to reuse tasks, move them into another DAG and trigger that",
			"%striggers its own DAG %s with wait: true, which never finishes: the new run waits for a slot (max_active_runs) this run holds while it waits",
			v.label(i), excerpt(name))
	}
}
