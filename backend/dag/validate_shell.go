package dag

import (
	"fmt"
	"regexp"
	"strings"
)

// shellSafeRE matches enum values that need no quoting in a shell.
var shellSafeRE = regexp.MustCompile(`^[A-Za-z0-9_.,:/@%+=-]*$`)

// shellPastes warns where a template writes a value someone else chooses
// (a param, an upstream task's output, a DAG var made from them) into an
// argument the op hands to a shell, without quote: `--param 'who=$(id)'`
// would run a command. Warnings, not errors: the DAG may come from someone
// who controls every value, and old DAGs must keep loading.
func (v *validator) shellPastes() {
	if v.ops == nil {
		return
	}
	tainted := v.taintedVars()
	for i, t := range v.d.Tasks {
		spec, ok := v.ops.Op(t.Op)
		if !ok {
			continue
		}
		for _, a := range spec.Args {
			text, isString := t.With[a.Name].(string)
			if !a.Shell || !isString || !strings.Contains(text, "{{") {
				continue
			}
			site := templateSite{task: i, at: v.taskPos(i, "with."+a.Name), name: v.label(i) + "with." + a.Name}
			v.shellSite(site, text, tainted)
		}
	}
}

func (v *validator) shellSite(s templateSite, text string, tainted map[string]bool) {
	ct := cache.get(text)
	if ct.err != nil {
		return // reported by templates()
	}
	reported := map[string]bool{}
	for _, p := range shellPastes(ct.tmpl) {
		field, ok := v.chosenElsewhere(p.ref, tainted)
		if !ok || reported[field] {
			continue
		}
		switch {
		case !p.quoted:
			reported[field] = true
			v.warns.add(s.at, pasteHint(field),
				"%s pastes %s into shell code unquoted: a value such as $(…) or ; would run as a command", s.name, field)
		case p.state == shellSingle || p.state == shellDouble:
			reported[field] = true
			v.warns.add(s.at, "remove the quotes around it: quote adds its own, e.g. echo hello, {{ quote "+field+" }}",
				"%s: {{ quote %s }} sits inside %c…%c quotes, where quote's quotes are plain text and $(…) still runs",
				s.name, field, p.state, p.state)
		}
	}
}

// chosenElsewhere reports whether a path reads a value that is not fixed
// by the DAG's own text, and names it for the message.
func (v *validator) chosenElsewhere(ref []string, tainted map[string]bool) (string, bool) {
	if len(ref) == 0 {
		return "", false
	}
	field := cut("."+strings.Join(ref[:min(len(ref), 4)], "."), 2*maxShownLength)
	switch ref[0] {
	case "tasks":
		return field, v.freeOutputs(ref)
	case "vars":
		return field, len(ref) >= 2 && tainted[ref[1]]
	case "params":
		if len(ref) == 1 {
			return field, true // index .params $name
		}
		for _, p := range v.d.Params {
			if p.Name == ref[1] {
				return field, paramNeedsQuoting(p)
			}
		}
	}
	return "", false
}

// freeOutputs reports whether a .tasks path may read text the task chose:
// an op with a fixed set of outputs (trigger_dag's run_id and state) makes
// them itself, while a shell script's or an HTTP response's are anyone's.
func (v *validator) freeOutputs(ref []string) bool {
	if len(ref) < 2 || v.ops == nil {
		return true
	}
	j, known := v.index[ref[1]]
	if !known {
		return false // reported as an error
	}
	spec, ok := v.ops.Op(v.d.Tasks[j].Op)
	return !ok || spec.AnyOutputs
}

// paramNeedsQuoting: ints and bools are converted before a run starts, and
// an enum is one of its values, so only those can carry shell syntax.
func paramNeedsQuoting(p Param) bool {
	switch p.Type {
	case ParamInt, ParamBool:
		return false
	case ParamEnum:
		for _, val := range p.Values {
			if !shellSafeRE.MatchString(val) {
				return true
			}
		}
		return false
	}
	return true
}

// taintedVars are the DAG vars whose templates read a param that needs
// quoting, directly or through an earlier var: pasting .vars.X is then as
// risky as pasting the param. (Vars cannot read tasks.)
func (v *validator) taintedVars() map[string]bool {
	out := map[string]bool{}
	for _, vr := range v.d.Vars {
		if !strings.Contains(vr.Value, "{{") {
			continue
		}
		ct := cache.get(vr.Value)
		for _, ref := range ct.use.refs {
			if _, ok := v.chosenElsewhere(ref, out); ok && ref[0] != "tasks" {
				out[vr.Name] = true
			}
		}
	}
	return out
}

func pasteHint(field string) string {
	fix := fmt.Sprintf("write {{ quote %s }} with no quotes around it", field)
	switch {
	case strings.HasPrefix(field, ".params.") && strings.Count(field, ".") == 2:
		return fix + fmt.Sprintf(`, or read it from the environment: "$MESHFLOW_PARAM_%s"`, strings.ToUpper(field[len(".params."):]))
	case strings.HasPrefix(field, ".tasks."):
		return fix + `, or pass it in env: (NAME: "{{ ` + field + ` }}") and write "$NAME"`
	}
	return fix
}
