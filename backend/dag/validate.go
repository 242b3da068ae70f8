package dag

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	// nameRE is the shape of DAG names and task ids: safe in file names,
	// URLs and log paths.
	nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$`)
	// identRE is the shape of param and var names, so templates can read
	// them as .params.NAME.
	identRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]{0,63}$`)
)

const (
	nameHint  = `use letters, digits, "_", "." and "-", starting with a letter or digit, at most 64 characters`
	identHint = `use letters, digits and "_", not starting with a digit, at most 64 characters, so templates can read it as .params.NAME or .vars.NAME`
)

var (
	catchupPolicies = []CatchupPolicy{CatchupNone, CatchupLatest, CatchupAll}
	overlapPolicies = []OverlapPolicy{OverlapSkip, OverlapQueue}
	backoffs        = []Backoff{BackoffConstant, BackoffExponential}
	paramTypes      = []ParamType{ParamString, ParamInt, ParamBool, ParamEnum, ParamList}
)

// Validate checks what a DAG's values mean: names, schedule and time zone,
// params, task ids, ops and their arguments, needs, cycles, trigger rules
// and the references inside templates. ops may be nil to skip op checks.
// It returns every problem found, as Errors, or nil, and sets d.Warnings
// to the problems that do not stop the DAG from running.
func Validate(d *DAG, ops Catalog) error {
	if d == nil {
		return errors.New("dag: validate: no DAG")
	}
	v := newValidator(d, ops)
	v.run()
	return v.errs.err()
}

// run does every check, setting d.Warnings. No check stops the others:
// each reports what it finds and the next goes on.
func (v *validator) run() {
	v.dagFields()
	v.params()
	v.vars()
	v.tasks()
	v.dependencies()
	v.selfTrigger()
	v.templates()
	v.shellPastes()
	v.d.Warnings = v.warns.errs.sorted().capped()
}

// validator holds what the checks share: the task index and the params,
// so each is built once.
type validator struct {
	d           *DAG
	ops         Catalog
	errs        errorList
	warns       errorList
	index       map[string]int // task id → index of its first task
	ids         []string       // distinct task ids in file order, for suggestions
	up          [][]int        // known needs by index, for "is upstream" checks
	paramNames  []string
	paramsLost  bool  // params: did not decode, so no param can be checked
	suggestLeft int   // budget for suggestions among the file's names (see suggestBudget)
	seen        []int // generation stamps for upstream searches
	gen         int
}

func newValidator(d *DAG, ops Catalog) *validator {
	v := &validator{d: d, ops: ops, errs: errorList{file: d.File}, warns: errorList{file: d.File, warning: true}, suggestLeft: suggestBudget, index: make(map[string]int, len(d.Tasks))}
	for i, t := range d.Tasks {
		if _, dup := v.index[t.ID]; !dup && t.ID != "" {
			v.index[t.ID] = i
			v.ids = append(v.ids, t.ID)
		}
	}
	for _, p := range d.Params {
		v.paramNames = append(v.paramNames, p.Name)
	}
	return v
}

// lookup finds the position recorded for path, or for its nearest
// recorded parent ("with.env.HOME", then "with.env", then "with").
func lookup(m map[string]Pos, path string) (Pos, bool) {
	for path != "" {
		if p, ok := m[path]; ok {
			return p, true
		}
		cut := strings.LastIndexAny(path, ".[")
		if cut < 0 {
			break
		}
		path = path[:cut]
	}
	return Pos{}, false
}

func (v *validator) dagPos(path string) Pos {
	p, _ := lookup(v.d.Pos, path)
	return p
}

func (v *validator) dagFields() {
	d := v.d
	v.name()
	if d.Schedule != "" {
		if msg, hint := cronProblem(d.Schedule); msg != "" {
			v.errs.add(v.dagPos("schedule"), hint, "%s", msg)
		}
	}
	if d.Timezone != "" {
		if _, err := time.LoadLocation(d.Timezone); err != nil {
			v.errs.add(v.dagPos("timezone"), `use an IANA name like "Europe/Berlin", "America/New_York" or "UTC"`,
				"unknown timezone %s", excerpt(d.Timezone))
		}
	}
	oneOf(v, v.dagPos("catchup"), "", "catchup", d.Catchup, catchupPolicies)
	oneOf(v, v.dagPos("overlap"), "", "overlap", d.Overlap, overlapPolicies)
	if d.StartPaused && d.Schedule == "" {
		v.errs.add(v.dagPos("start_paused"), "add a schedule, or remove start_paused",
			"start_paused pauses the schedule, and this DAG has none: it runs only when triggered")
	}
	v.nonNegative(v.dagPos("max_active_runs"), "max_active_runs", d.MaxActiveRuns < 0, d.MaxActiveRuns)
	td := d.Defaults
	v.nonNegative(v.dagPos("defaults.retries"), "defaults: retries", td.Retries < 0, td.Retries)
	v.nonNegative(v.dagPos("defaults.retry_delay"), "defaults: retry_delay", td.RetryDelay < 0, td.RetryDelay)
	v.nonNegative(v.dagPos("defaults.retry_max_delay"), "defaults: retry_max_delay", td.RetryMaxDelay < 0, td.RetryMaxDelay)
	v.nonNegative(v.dagPos("defaults.timeout"), "defaults: timeout", td.Timeout < 0, td.Timeout)
	oneOf(v, v.dagPos("defaults.retry_backoff"), "defaults: ", "retry_backoff", td.RetryBackoff, backoffs)
}

func (v *validator) name() {
	d := v.d
	pos, set := lookup(d.Pos, "name")
	switch {
	case nameRE.MatchString(d.Name):
	case !set:
		v.errs.add(Pos{}, "add a name: field, or rename the file; "+nameHint,
			"the file name gives the DAG the name %s, which is not valid", excerpt(d.Name))
	case d.Name == "":
		v.errs.add(pos, nameHint, "the DAG name is empty")
	default:
		v.errs.add(pos, nameHint, "invalid DAG name %s", excerpt(d.Name))
	}
}

// oneOf reports a value outside its enumeration, with a suggestion. ""
// is the field's default and always allowed.
func oneOf[T ~string](v *validator, at Pos, ctx, field string, val T, valid []T) {
	if val == "" || slices.Contains(valid, val) {
		return
	}
	v.errs.add(at, meantAnd(string(val), stringsOf(valid), "valid values"), "%sinvalid %s %s", ctx, field, excerpt(string(val)))
}

// nonNegative reports a negative count or duration.
func (v *validator) nonNegative(at Pos, field string, negative bool, found any) {
	if negative {
		v.errs.add(at, "use 0 or more", "%s must not be negative, found %v", field, found)
	}
}

func (v *validator) params() {
	for _, p := range v.d.Params {
		ctx := "param " + excerpt(p.Name) + ": "
		at := func(field string) Pos { return v.dagPos("params." + p.Name + field) }
		if !identRE.MatchString(p.Name) {
			v.errs.add(at(""), identHint, "invalid param name %s", excerpt(p.Name))
		}
		if !slices.Contains(paramTypes, p.Type) {
			v.errs.add(at(".type"), paramTypeHint(p.Type), "%sunknown type %s", ctx, excerpt(string(p.Type)))
			continue
		}
		switch {
		case p.Type == ParamEnum && len(p.Values) == 0:
			// at(".values") falls back to the param when there is no
			// values: key, and a values: that did not decode is then not
			// reported twice.
			v.errs.add(at(".values"), "add values: [a, b] listing the choices", "%stype enum needs values", ctx)
		case p.Type != ParamEnum && len(p.Values) > 0:
			v.errs.add(at(".values"), "remove values, or use type: enum", "%svalues only apply to type enum", ctx)
		}
		switch {
		case p.Default != nil:
			v.paramDefault(p, ctx, at(".default"))
		case p.Required && v.fires():
			// A scheduled run passes no params, so each tick would fail to
			// start: refuse it here, as Airflow does, instead of failing at 2 am.
			v.errs.add(at(""), "give it a default (scheduled runs use it; a manual trigger can still pass another value), or remove schedule: to run the DAG by hand only",
				"%srequired with no default, but the DAG has a schedule and scheduled runs pass no params", ctx)
		}
	}
}

// fires reports whether the DAG's schedule starts runs by itself: it is
// set, valid (an invalid one is reported on its own) and not @manual.
func (v *validator) fires() bool {
	return v.d.Schedule != "" && schedules(v.d.Schedule)
}

func (v *validator) paramDefault(p Param, ctx string, at Pos) {
	ok := false
	switch p.Type {
	case ParamString, ParamEnum:
		_, ok = p.Default.(string)
	case ParamInt:
		_, ok = p.Default.(int)
	case ParamBool:
		_, ok = p.Default.(bool)
	case ParamList:
		_, ok = p.Default.([]string)
	}
	if !ok {
		found := describeValue(p.Default)
		if list, isList := p.Default.([]any); isList && p.Type == ParamList {
			found = listProblem(list)
		}
		v.errs.add(at, "make the default match the type, or change the type",
			"%sdefault must be %s, found %s", ctx, paramTypeNoun(p.Type), found)
		return
	}
	if s, _ := p.Default.(string); p.Type == ParamEnum && len(p.Values) > 0 && !slices.Contains(p.Values, s) {
		v.errs.add(at, meantAnd(s, p.Values, "values"), "%sdefault %s is not one of its values", ctx, excerpt(s))
	}
}

// listProblem points at the first item of a list that is not a string.
func listProblem(list []any) string {
	for i, item := range list {
		if _, ok := item.(string); !ok {
			return fmt.Sprintf("a list whose item %d is %s", i+1, describeValue(item))
		}
	}
	return "a list"
}

// paramTypeAliases are type names people bring from other tools.
var paramTypeAliases = map[string]ParamType{
	"integer": ParamInt, "number": ParamInt, "boolean": ParamBool,
	"str": ParamString, "text": ParamString, "array": ParamList, "choice": ParamEnum,
}

func paramTypeHint(t ParamType) string {
	if alias, ok := paramTypeAliases[strings.ToLower(string(t))]; ok {
		return fmt.Sprintf("did you mean %q? types: %s", alias, strings.Join(stringsOf(paramTypes), ", "))
	}
	return meantAnd(string(t), stringsOf(paramTypes), "types")
}

func paramTypeNoun(t ParamType) string {
	switch t {
	case ParamInt:
		return "a whole number (type int)"
	case ParamBool:
		return "true or false (type bool)"
	case ParamList:
		return "a list of strings (type list)"
	}
	return "a string (type " + string(t) + ")"
}

func (v *validator) vars() {
	for _, vr := range v.d.Vars {
		if !identRE.MatchString(vr.Name) {
			v.errs.add(vr.Pos, identHint, "invalid var name %s", excerpt(vr.Name))
		}
	}
}
