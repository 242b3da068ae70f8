package dag

import (
	"fmt"
	"slices"
	"strings"
)

// templateRoots are the top-level fields templates can read.
var templateRoots = []string{"params", "vars", "run", "tasks"}

// templateSite is where a template sits: the task it belongs to (-1 for
// DAG vars), its position, and the prefix naming it in messages.
type templateSite struct {
	task int
	at   Pos
	name string // e.g. `task "build": with.command`
}

// templates checks every template in task arguments, `when` conditions
// and DAG vars: syntax, then each field path it reads.
func (v *validator) templates() {
	v.seen = make([]int, len(v.d.Tasks))
	for i, t := range v.d.Tasks {
		v.templatesIn(i, "with", t.With)
		v.when(i)
	}
	for _, vr := range v.d.Vars {
		if strings.Contains(vr.Value, "{{") {
			v.checkTemplate(templateSite{task: -1, at: vr.Pos, name: "var " + excerpt(vr.Name)}, vr.Value)
		}
	}
}

// when checks a task's condition. One without a template is constant,
// which is fine for true/false toggles but otherwise means forgotten
// braces: "when: .params.deploy" would always run.
func (v *validator) when(i int) {
	w := v.d.Tasks[i].When
	switch {
	case strings.Contains(w, "{{"):
		v.checkTemplate(templateSite{task: i, at: v.taskPos(i, "when"), name: v.label(i) + "when"}, w)
	case w == "" || slices.Contains([]string{"true", "false", "yes", "no", "0", "1"}, strings.ToLower(strings.TrimSpace(w))):
	default:
		v.errs.add(v.taskPos(i, "when"), fmt.Sprintf("write the condition as a template, e.g. when: '{{ %s }}'", cut(w, maxShownLength)),
			"%swhen %s has no {{ }}, so the task would always run", v.label(i), excerpt(w))
	}
}

// templatesIn walks an argument value down to its strings.
func (v *validator) templatesIn(i int, path string, val any) {
	switch x := val.(type) {
	case string:
		if strings.Contains(x, "{{") {
			v.checkTemplate(templateSite{task: i, at: v.taskPos(i, path), name: v.label(i) + path}, x)
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			v.templatesIn(i, path+"."+k, x[k])
		}
	case []any:
		for j, item := range x {
			v.templatesIn(i, fmt.Sprintf("%s[%d]", path, j), item)
		}
	}
}

func (v *validator) checkTemplate(s templateSite, text string) {
	ct := cache.get(text)
	if ct.err != nil {
		v.errs.add(s.at, "templates use Go text/template syntax: {{ .params.NAME }}; see docs/dag-format.md",
			"%s: invalid template: %s", s.name, foreign(ct.err))
		return
	}
	if ct.use.computedSecret {
		v.errs.add(s.at, `write the name out; to choose between secrets, use {{ if ... }}{{ secret "a" }}{{ else }}{{ secret "b" }}{{ end }}`,
			`%s: secret must be given its name as a quoted string, such as {{ secret "db_password" }}: a name computed at run time could show a secret in an error`, s.name)
	}
	reported := map[string]bool{}
	for _, ref := range ct.use.refs {
		msg, hint := v.refProblem(s.task, ref)
		if msg != "" && !reported[msg] {
			reported[msg] = true
			v.errs.add(s.at, hint, "%s: %s", s.name, msg)
		}
	}
}

// refProblem says what is wrong with one path a template reads, or "".
// .vars cannot be checked: global variables are only known at run time.
func (v *validator) refProblem(task int, ref []string) (msg, hint string) {
	if len(ref) < 2 {
		if len(ref) == 1 && !slices.Contains(templateRoots, ref[0]) {
			return fmt.Sprintf("unknown template field .%s", cut(ref[0], maxShownLength)),
				joinHints(meant(ref[0], templateRoots), "templates read .params, .vars, .run and .tasks")
		}
		return "", ""
	}
	field := cut("."+strings.Join(ref, "."), 2*maxShownLength)
	switch ref[0] {
	case "params":
		if !slices.Contains(v.paramNames, ref[1]) && !v.paramsLost {
			return fmt.Sprintf("%s reads param %s, which is not declared", field, excerpt(ref[1])),
				joinHints(meantWithin(ref[1], v.paramNames, &v.suggestLeft), "declare it under params:")
		}
	case "run":
		if !slices.Contains(runFields, ref[1]) {
			return fmt.Sprintf("unknown run field %s", field),
				joinHints(meant(ref[1], runFields), ".run has id, logical_date and trigger")
		}
	case "tasks":
		return v.taskRefProblem(task, ref, field)
	case "vars":
	default:
		return fmt.Sprintf("unknown template field .%s", cut(ref[0], maxShownLength)),
			joinHints(meant(ref[0], templateRoots), "templates read .params, .vars, .run and .tasks")
	}
	return "", ""
}

func (v *validator) taskRefProblem(task int, ref []string, field string) (msg, hint string) {
	id := ref[1]
	j, known := v.index[id]
	switch {
	case task < 0:
		return fmt.Sprintf("vars cannot read task outputs (%s)", field),
			"vars are set when the run starts, before any task has run; use the template in the task's with: instead"
	case !known:
		return fmt.Sprintf("%s reads unknown task %s", field, excerpt(id)), meantOrWithin(id, v.ids, "known tasks", &v.suggestLeft)
	case j == task:
		return fmt.Sprintf("%s reads the task's own outputs", field), "outputs exist only after the task finishes"
	case !v.isUpstream(task, j):
		me := v.d.Tasks[task].ID
		return fmt.Sprintf("%s reads task %s, which is not upstream of %s", field, excerpt(id), excerpt(me)),
			fmt.Sprintf("add %s to the needs of %s so it runs first", excerpt(id), excerpt(me))
	case len(ref) >= 3 && ref[2] != "outputs":
		return fmt.Sprintf("%s: a task has only .outputs", field), fmt.Sprintf("write .tasks.%s.outputs.KEY", cut(id, maxShownLength))
	case len(ref) >= 4:
		return v.outputProblem(j, ref[3], field)
	}
	return "", ""
}

// outputProblem checks an output key against the op's declared outputs,
// when the op declares a fixed set.
func (v *validator) outputProblem(j int, key, field string) (msg, hint string) {
	if v.ops == nil {
		return "", ""
	}
	t := &v.d.Tasks[j]
	spec, ok := v.ops.Op(t.Op)
	if !ok || spec.AnyOutputs || slices.Contains(spec.Outputs, key) {
		return "", ""
	}
	if len(spec.Outputs) == 0 {
		return fmt.Sprintf("%s: op %s returns no outputs", field, spec.Name), ""
	}
	return fmt.Sprintf("%s: task %s (op %s) has no output %s", field, excerpt(t.ID), spec.Name, excerpt(key)),
		meantOr(key, spec.Outputs, "its outputs")
}

// isUpstream reports whether task j is upstream of task i, directly or
// through other tasks. Generation stamps avoid clearing a visited set per
// query in large DAGs.
func (v *validator) isUpstream(i, j int) bool {
	if slices.Contains(v.up[i], j) {
		return true
	}
	v.gen++
	stack := []int{i}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, y := range v.up[x] {
			if y == j {
				return true
			}
			if v.seen[y] != v.gen {
				v.seen[y] = v.gen
				stack = append(stack, y)
			}
		}
	}
	return false
}
