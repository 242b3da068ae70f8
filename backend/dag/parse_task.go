package dag

import (
	"fmt"
	"time"

	"gopkg.in/yaml.v3"
)

var taskFields = []string{
	"id", "op", "with", "needs", "trigger_rule", "retries", "retry_delay",
	"retry_backoff", "retry_max_delay", "timeout", "pool", "queue", "when",
}

// tasks decodes `tasks:`, a list of task mappings.
func (p *parser) tasks(n *yaml.Node) []Task {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.errs.add(posOf(n), "write each task as a list item: - id: build", "tasks must be a list, found %s", describe(n))
		return nil
	}
	out := make([]Task, 0, len(n.Content))
	for i, item := range n.Content {
		if t, ok := p.task(deref(item), i); ok {
			out = append(out, t)
		}
	}
	return out
}

// taskLabel names a task in messages: by id when it has a usable one, else
// by its 1-based place in the list.
func taskLabel(n *yaml.Node, i int) string {
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], deref(n.Content[j+1])
		if k.Value == "id" && v.Kind == yaml.ScalarNode && v.Value != "" {
			return "task " + excerpt(v.Value) + ": "
		}
	}
	return fmt.Sprintf("task #%d: ", i+1)
}

func (p *parser) task(n *yaml.Node, i int) (Task, bool) {
	if n.Kind != yaml.MappingNode {
		p.errs.add(posOf(n), "a task is a mapping such as {id: build, op: shell}",
			"task #%d must be a mapping, found %s", i+1, describe(n))
		return Task{}, false
	}
	t := Task{Pos: posOf(n), KeyPos: map[string]Pos{}}
	ctx := taskLabel(n, i)
	for _, pr := range p.pairs(n, ctx) {
		t.KeyPos[pr.key] = posOf(pr.k)
		p.field(pr, func() { p.taskField(&t, pr, ctx) })
	}
	return t, true
}

// taskField decodes one key of a task. Override settings are pointers so
// "not set" (inherit the defaults) differs from an explicit zero.
func (p *parser) taskField(t *Task, pr pair, ctx string) {
	switch pr.key {
	case "id":
		t.ID = p.str(pr.v, ctx, "id")
	case "op":
		t.Op = p.str(pr.v, ctx, "op")
	case "with":
		t.With = p.with(pr.v, ctx, t.KeyPos)
	case "needs":
		t.Needs = p.needs(pr.v, ctx, t.KeyPos)
	case "trigger_rule":
		t.TriggerRule = TriggerRule(p.str(pr.v, ctx, "trigger_rule"))
	case "retries":
		if r, ok := p.integer(pr.v, ctx, "retries"); ok {
			t.Retries = &r
		}
	case "retry_delay":
		t.RetryDelay = p.durationPtr(pr.v, ctx, "retry_delay")
	case "retry_backoff":
		t.RetryBackoff = Backoff(p.str(pr.v, ctx, "retry_backoff"))
	case "retry_max_delay":
		t.RetryMaxDelay = p.durationPtr(pr.v, ctx, "retry_max_delay")
	case "timeout":
		t.Timeout = p.durationPtr(pr.v, ctx, "timeout")
	case "pool":
		t.Pool = p.str(pr.v, ctx, "pool")
	case "queue":
		t.Queue = p.str(pr.v, ctx, "queue")
	case "when":
		t.When = p.str(pr.v, ctx, "when")
	default:
		p.unknownField(pr, ctx, taskFields)
	}
}

func (p *parser) durationPtr(n *yaml.Node, ctx, field string) *time.Duration {
	if d, ok := p.duration(n, ctx, field); ok {
		return &d
	}
	return nil
}

// with decodes an op's arguments, recording "with.<arg>" (and deeper
// paths) in pos.
func (p *parser) with(n *yaml.Node, ctx string, pos map[string]Pos) map[string]any {
	m, ok := p.mapping(n, ctx, "with")
	if !ok || m == nil {
		return nil
	}
	return p.mapValue(m, ctx, "with", pos)
}

// needs decodes the upstream ids, recording "needs.<id>" in pos at the item
// so a typo is pointed at exactly.
func (p *parser) needs(n *yaml.Node, ctx string, pos map[string]Pos) []string {
	ids, at := p.strList(n, ctx, "needs")
	for i, id := range ids {
		if _, seen := pos["needs."+id]; !seen {
			pos["needs."+id] = at[i]
		}
	}
	return ids
}
