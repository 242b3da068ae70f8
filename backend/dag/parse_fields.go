package dag

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

var (
	paramFields    = []string{"type", "default", "required", "description", "values"}
	defaultsFields = []string{"retries", "retry_delay", "retry_backoff", "retry_max_delay", "timeout", "pool"}
)

// dagField decodes one top-level key into d. Enumerations (catchup,
// overlap, backoff) are stored as written; Validate checks them, so a DAG
// built in code is checked the same way.
func (p *parser) dagField(d *DAG, pr pair) {
	switch pr.key {
	case "name":
		d.Name = p.str(pr.v, "", "name")
	case "description":
		d.Description = p.str(pr.v, "", "description")
	case "tags":
		d.Tags, _ = p.strList(pr.v, "", "tags")
	case "schedule":
		d.Schedule = p.str(pr.v, "", "schedule")
	case "timezone":
		d.Timezone = p.str(pr.v, "", "timezone")
	case "catchup":
		d.Catchup = CatchupPolicy(p.str(pr.v, "", "catchup"))
	case "max_active_runs":
		d.MaxActiveRuns, _ = p.integer(pr.v, "", "max_active_runs")
	case "overlap":
		d.Overlap = OverlapPolicy(p.str(pr.v, "", "overlap"))
	case "start_paused":
		d.StartPaused, _ = p.boolean(pr.v, "", "start_paused")
	case "params":
		d.Params = p.params(pr.v, d.Pos)
	case "vars":
		d.Vars = p.vars(pr.v, d.Pos)
	case "defaults":
		p.defaults(pr.v, &d.Defaults, d.Pos)
	case "tasks":
		d.Tasks = p.tasks(pr.v)
	default:
		if strings.HasPrefix(pr.key, "x-") {
			return // a place for anchors, as in Compose files: x-common: &common
		}
		p.unknownField(pr, "", dagFields)
	}
}

func (p *parser) unknownField(pr pair, ctx string, known []string) {
	p.errs.add(posOf(pr.k), meantOr(pr.key, known, "known fields"), "%sunknown field %s", ctx, excerpt(pr.key))
}

// params decodes `params:`, a mapping of name to its definition. Positions
// go in pos as "params.<name>" and "params.<name>.<field>".
func (p *parser) params(n *yaml.Node, pos map[string]Pos) []Param {
	m, ok := p.mapping(n, "", "params")
	if !ok || m == nil {
		return nil
	}
	var out []Param
	for _, pr := range p.pairs(m, "params: ") {
		prm := Param{Name: pr.key, Type: ParamString, Pos: posOf(pr.k)}
		pos["params."+pr.key] = prm.Pos
		p.param(&prm, pr.v, pos)
		out = append(out, prm)
	}
	return out
}

func (p *parser) param(prm *Param, n *yaml.Node, pos map[string]Pos) {
	ctx := "param " + excerpt(prm.Name) + ": "
	m, ok := p.mapping(n, ctx, "its definition")
	if !ok || m == nil {
		return
	}
	for _, pr := range p.pairs(m, ctx) {
		pos["params."+prm.Name+"."+pr.key] = posOf(pr.k)
		p.field(pr, func() { p.paramField(prm, pr, ctx) })
	}
	prm.Default = normalizeDefault(prm.Type, prm.Default)
}

func (p *parser) paramField(prm *Param, pr pair, ctx string) {
	switch pr.key {
	case "type":
		prm.Type = ParamType(p.str(pr.v, ctx, "type"))
	case "default":
		prm.Default = p.value(pr.v, ctx, "default", nil)
	case "required":
		prm.Required, _ = p.boolean(pr.v, ctx, "required")
	case "description":
		prm.Description = p.str(pr.v, ctx, "description")
	case "values":
		prm.Values, _ = p.strList(pr.v, ctx, "values")
	default:
		p.unknownField(pr, ctx, paramFields)
	}
}

// normalizeDefault converts a default to the Go type its param type
// promises (Param.Default's contract) when that loses nothing: `default: 5`
// on a string param is "5". Anything else is left for Validate to report.
func normalizeDefault(t ParamType, v any) any {
	switch t {
	case ParamString, ParamEnum:
		switch s := v.(type) {
		case int:
			return strconv.Itoa(s)
		case bool:
			return strconv.FormatBool(s)
		case float64:
			return strconv.FormatFloat(s, 'g', -1, 64)
		}
	case ParamList:
		if list, ok := v.([]any); ok {
			return stringList(list, v)
		}
	}
	return v
}

// stringList returns list as []string when every item is a string, else
// orig unchanged.
func stringList(list []any, orig any) any {
	out := make([]string, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			return orig
		}
		out[i] = s
	}
	return out
}

// vars decodes `vars:`, a mapping of name to text.
func (p *parser) vars(n *yaml.Node, pos map[string]Pos) []Var {
	m, ok := p.mapping(n, "", "vars")
	if !ok || m == nil {
		return nil
	}
	var out []Var
	for _, pr := range p.pairs(m, "vars: ") {
		v := Var{Name: pr.key, Value: p.str(pr.v, "var "+excerpt(pr.key)+": ", "its value"), Pos: posOf(pr.k)}
		pos["vars."+pr.key] = v.Pos
		out = append(out, v)
	}
	return out
}

// defaults decodes `defaults:` into td, which the caller pre-filled.
func (p *parser) defaults(n *yaml.Node, td *TaskDefaults, pos map[string]Pos) {
	const ctx = "defaults: "
	m, ok := p.mapping(n, "", "defaults")
	if !ok || m == nil {
		return
	}
	for _, pr := range p.pairs(m, ctx) {
		pos["defaults."+pr.key] = posOf(pr.k)
		p.field(pr, func() { p.defaultsField(td, pr, ctx) })
	}
}

func (p *parser) defaultsField(td *TaskDefaults, pr pair, ctx string) {
	switch pr.key {
	case "retries":
		td.Retries, _ = p.integer(pr.v, ctx, "retries")
	case "retry_delay":
		td.RetryDelay, _ = p.duration(pr.v, ctx, "retry_delay")
	case "retry_backoff":
		td.RetryBackoff = Backoff(p.str(pr.v, ctx, "retry_backoff"))
	case "retry_max_delay":
		td.RetryMaxDelay, _ = p.duration(pr.v, ctx, "retry_max_delay")
	case "timeout":
		td.Timeout, _ = p.duration(pr.v, ctx, "timeout")
	case "pool":
		td.Pool = p.str(pr.v, ctx, "pool")
	default:
		p.unknownField(pr, ctx, defaultsFields)
	}
}
