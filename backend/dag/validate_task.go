package dag

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// label names task i in messages: by id, or by its place when it has none.
func (v *validator) label(i int) string {
	if id := v.d.Tasks[i].ID; id != "" {
		return "task " + excerpt(id) + ": "
	}
	return fmt.Sprintf("task #%d: ", i+1)
}

// taskPos finds where a task's key (or nested "with." path) is, falling
// back to where the task begins.
func (v *validator) taskPos(i int, path string) Pos {
	t := &v.d.Tasks[i]
	if p, ok := lookup(t.KeyPos, path); ok {
		return p
	}
	return t.Pos
}

func (v *validator) tasks() {
	if len(v.d.Tasks) == 0 {
		v.errs.add(v.dagPos("tasks"), "add a tasks: list, e.g. - {id: hello, op: shell, with: {command: echo hi}}", "the DAG has no tasks")
	}
	for i := range v.d.Tasks {
		v.taskID(i)
		v.taskOp(i)
		v.taskSettings(i)
	}
}

func (v *validator) taskID(i int) {
	t := &v.d.Tasks[i]
	switch first := v.index[t.ID]; {
	case t.ID == "":
		v.errs.add(v.taskPos(i, "id"), "add id: followed by a name; "+nameHint, "task #%d has no id", i+1)
	case !nameRE.MatchString(t.ID):
		v.errs.add(v.taskPos(i, "id"), nameHint, "invalid task id %s", excerpt(t.ID))
	case first != i:
		v.errs.add(v.taskPos(i, "id"), "task ids must be unique in a DAG; rename one of them",
			"duplicate task id %s (first at line %d)", excerpt(t.ID), v.d.Tasks[first].Pos.Line)
	}
}

func (v *validator) taskSettings(i int) {
	t, ctx := &v.d.Tasks[i], v.label(i)
	oneOf(v, v.taskPos(i, "trigger_rule"), ctx, "trigger_rule", t.TriggerRule, TriggerRules)
	oneOf(v, v.taskPos(i, "retry_backoff"), ctx, "retry_backoff", t.RetryBackoff, backoffs)
	if t.Retries != nil {
		v.nonNegative(v.taskPos(i, "retries"), ctx+"retries", *t.Retries < 0, *t.Retries)
	}
	for _, f := range []struct {
		key string
		d   *time.Duration
	}{{"retry_delay", t.RetryDelay}, {"retry_max_delay", t.RetryMaxDelay}, {"timeout", t.Timeout}} {
		if f.d != nil {
			v.nonNegative(v.taskPos(i, f.key), ctx+f.key, *f.d < 0, *f.d)
		}
	}
}

func (v *validator) taskOp(i int) {
	t, ctx := &v.d.Tasks[i], v.label(i)
	if v.ops == nil {
		return
	}
	if t.Op == "" {
		v.errs.add(v.taskPos(i, "op"), "add op: followed by one of the ops; "+listing("known ops", v.ops.Names()), "%sno op", ctx)
		return
	}
	spec, ok := v.ops.Op(t.Op)
	if !ok {
		v.errs.add(v.taskPos(i, "op"), meantAnd(t.Op, v.ops.Names(), "known ops"), "%sunknown op %s", ctx, excerpt(t.Op))
		return
	}
	if spec.InProcess && t.Queue != "" {
		v.warns.add(v.taskPos(i, "queue"), "remove queue: from the task",
			"%sop %s runs inside the engine, so queue %s is ignored", ctx, spec.Name, excerpt(t.Queue))
	}
	v.args(i, spec)
}

// args checks a task's `with` block against its op's argument schema.
func (v *validator) args(i int, spec OpSpec) {
	t, ctx := &v.d.Tasks[i], v.label(i)
	names := make([]string, len(spec.Args))
	for k, a := range spec.Args {
		names[k] = a.Name
	}
	for _, name := range sortedKeys(t.With) {
		k := slices.Index(names, name)
		if k < 0 {
			v.errs.add(v.taskPos(i, "with."+name), meantOr(name, names, "its arguments"),
				"%sop %s has no argument %s", ctx, spec.Name, excerpt(name))
			continue
		}
		if problem, hint := checkArg(spec.Args[k], t.With[name]); problem != "" {
			v.errs.add(v.taskPos(i, "with."+name), hint, "%swith.%s %s", ctx, name, problem)
		}
	}
	for _, a := range spec.Args {
		if val, ok := t.With[a.Name]; a.Required && (!ok || val == nil) {
			v.errs.add(v.taskPos(i, "with"), requiredHint(a),
				"%sop %s needs argument %q", ctx, spec.Name, a.Name)
		}
	}
}

func requiredHint(a ArgSpec) string {
	if a.Description == "" {
		return "add " + a.Name + ": under with:"
	}
	return "add " + a.Name + ": under with: (" + a.Description + ")"
}

// checkArg returns what is wrong with one argument value, and how to fix
// it, or "". A string holding a template satisfies any type: its value is
// only known at run time.
func checkArg(a ArgSpec, val any) (problem, hint string) {
	if s, ok := val.(string); ok && strings.Contains(s, "{{") {
		return "", ""
	}
	if val == nil && !a.Required {
		return "", ""
	}
	if !argTypeOK(a.Type, val) {
		return "must be " + argTypeNoun(a.Type) + ", found " + describeValue(val), argTypeHint(a.Type, val)
	}
	if s, ok := val.(string); ok && len(a.Enum) > 0 && !slices.Contains(a.Enum, s) {
		return fmt.Sprintf("must be one of %s, found %s", strings.Join(a.Enum, ", "), excerpt(s)), meant(s, a.Enum)
	}
	return "", ""
}

func argTypeOK(t ArgType, val any) bool {
	switch t {
	case ArgString:
		_, ok := val.(string)
		return ok
	case ArgInt:
		_, ok := val.(int)
		return ok
	case ArgBool:
		_, ok := val.(bool)
		return ok
	case ArgDuration:
		return isDuration(val)
	case ArgList:
		_, ok := val.([]any)
		return ok
	case ArgMap:
		_, ok := val.(map[string]any)
		return ok
	}
	return true // ArgAny, and types this version does not know
}

func isDuration(val any) bool {
	switch d := val.(type) {
	case int:
		return d >= 0
	case string:
		_, err := time.ParseDuration(d)
		return err == nil
	}
	return false
}

func argTypeNoun(t ArgType) string {
	switch t {
	case ArgString:
		return "a string"
	case ArgInt:
		return "a whole number"
	case ArgBool:
		return "true or false"
	case ArgDuration:
		return `a duration such as "90s" or "1h30m"`
	case ArgList:
		return "a list"
	case ArgMap:
		return "a mapping (key: value lines)"
	}
	return string(t)
}

// argTypeHint covers the usual YAML surprises: numbers and booleans where
// text was meant, and quotes around numbers.
func argTypeHint(t ArgType, val any) string {
	switch s := val.(type) {
	case int, float64, bool:
		if t == ArgString {
			return fmt.Sprintf(`quote it: "%s"`, cut(fmt.Sprint(val), maxShownLength))
		}
	case string:
		if _, err := strconv.Atoi(s); err == nil && (t == ArgInt || t == ArgDuration) {
			return "remove the quotes"
		}
		if t == ArgBool {
			return "write true or false, without quotes"
		}
	}
	return ""
}

// describeValue names a decoded value for "found X" messages.
func describeValue(val any) string {
	switch x := val.(type) {
	case nil:
		return "nothing (null)"
	case string:
		return excerpt(x)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "a mapping"
	}
	return cut(fmt.Sprintf("%v", val), maxShownLength)
}

// dependencies checks needs (unknown tasks, self) and cycles, and keeps
// the upstream lists the template checks use.
func (v *validator) dependencies() {
	v.up = make([][]int, len(v.d.Tasks))
	g := graph{down: make([][]int, len(v.d.Tasks))}
	stamp := make([]int, len(v.d.Tasks)) // stamp[j] == i+1: task i already needs j
	for i, t := range v.d.Tasks {
		for _, need := range t.Needs {
			j, ok := v.index[need]
			switch {
			case need == t.ID && t.ID != "":
				v.errs.add(v.taskPos(i, "needs."+need), "remove it from needs", "%sneeds itself", v.label(i))
			case !ok:
				v.errs.add(v.taskPos(i, "needs."+need), meantOrWithin(need, v.ids, "known tasks", &v.suggestLeft),
					"%sneeds unknown task %s", v.label(i), excerpt(need))
			case stamp[j] != i+1:
				stamp[j] = i + 1
				v.up[i] = append(v.up[i], j)
				g.down[j] = append(g.down[j], i)
			}
		}
	}
	ids := make([]string, len(v.d.Tasks))
	for i, t := range v.d.Tasks {
		ids[i] = t.ID
	}
	for _, c := range g.cycles() {
		v.errs.add(v.d.Tasks[c[0]].Pos, "each task needs the one before it; remove one of these needs",
			"dependency cycle: %s", formatCycle(c, ids))
	}
}
