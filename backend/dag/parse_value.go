package dag

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// value converts free-form YAML (an op's `with` block) to plain Go values:
// string, int, float64, bool, nil, []any and map[string]any, which is what
// ops and templates consume. Each mapping key and list item below path is
// recorded in pos ("with.env.HOME", "with.args[1]") so validation can point
// at nested values. Below an alias pos is nil: the copies all sit at the
// anchor, and errors read better at the place the alias is used.
func (p *parser) value(n *yaml.Node, ctx, path string, pos map[string]Pos) any {
	if n.Kind == yaml.AliasNode {
		pos = nil
	}
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		return p.mapValue(n, ctx, path, pos)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			itemPath := path + "[" + strconv.Itoa(i) + "]"
			record(pos, itemPath, deref(item))
			list = append(list, p.value(item, ctx, itemPath, pos))
		}
		return list
	case yaml.ScalarNode:
		return p.scalarValue(n, ctx, path)
	}
	return nil
}

func (p *parser) mapValue(n *yaml.Node, ctx, path string, pos map[string]Pos) map[string]any {
	prs := p.pairs(n, ctx)
	m := make(map[string]any, len(prs))
	for _, pr := range prs {
		keyPath := path + "." + pr.key
		record(pos, keyPath, pr.k)
		m[pr.key] = p.value(pr.v, ctx, keyPath, pos)
	}
	return m
}

func record(pos map[string]Pos, path string, n *yaml.Node) {
	if pos != nil {
		pos[path] = posOf(n)
	}
}

// scalarValue types a scalar the way YAML resolved it. Timestamps and
// binary stay strings: ops take text, and a date silently turned into
// time.Time would print differently from what the user wrote.
func (p *parser) scalarValue(n *yaml.Node, ctx, path string) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int
		if n.Decode(&i) == nil {
			return i
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil {
			return f
		}
	default:
		return n.Value
	}
	p.errs.add(posOf(n), "quote it if it is meant as text",
		"%s%s: invalid %s value %s", ctx, cut(path, maxShownLength), n.ShortTag()[2:], excerpt(n.Value))
	return nil
}
