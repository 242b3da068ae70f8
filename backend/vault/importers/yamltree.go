package importers

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// obj is a YAML mapping with its keys in file order, so that entries come
// out in the order their owner wrote them. Values are strings (scalars),
// *obj (mappings) or []any (sequences). Methods on a nil *obj return zero
// values, so lookups chain: doc.obj("cloudmesh").obj("cloud").
type obj struct {
	keys []string
	vals map[string]any
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML reads a YAML document into an obj. Its errors give the file and
// line; they carry the parser's message, which names the construct, never
// the value, so a secret on the broken line does not leak.
func parseYAML(path string, data []byte) (*obj, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: %w: %s", path, m[1], ErrSyntax, m[2])
		}
		return nil, fmt.Errorf("%s: %w: %s", path, ErrSyntax, msg)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: %w", path, ErrEmpty)
	}
	budget := maxNodes
	tree := toTree(doc.Content[0], &budget)
	if budget < 0 {
		return nil, fmt.Errorf("%s: %w: aliases expand to more than %d values", path, ErrSyntax, maxNodes)
	}
	root, ok := tree.(*obj)
	if !ok {
		return nil, fmt.Errorf("%s:%d: %w: the document is not a mapping", path, doc.Content[0].Line, ErrSyntax)
	}
	return root, nil
}

// maxNodes bounds the values an alias-laden file may expand to, so a
// "billion laughs" file cannot exhaust memory: a real one has a few hundred.
const maxNodes = 100_000

// toTree copies the node graph into objs, spending one of budget per value;
// aliases are expanded, so a negative budget means the file is a bomb.
func toTree(n *yaml.Node, budget *int) any {
	if *budget--; *budget < 0 {
		return nil
	}
	switch n.Kind {
	case yaml.AliasNode:
		return toTree(n.Alias, budget)
	case yaml.MappingNode:
		o := &obj{vals: map[string]any{}}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := o.vals[k]; !dup {
				o.keys = append(o.keys, k)
			}
			o.vals[k] = toTree(n.Content[i+1], budget)
		}
		return o
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			s = append(s, toTree(c, budget))
		}
		return s
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return ""
		}
		return n.Value
	}
	return nil
}

func (o *obj) get(k string) any {
	if o == nil {
		return nil
	}
	return o.vals[k]
}

func (o *obj) str(k string) string {
	s, _ := o.get(k).(string)
	return strings.TrimSpace(s)
}

func (o *obj) obj(k string) *obj {
	m, _ := o.get(k).(*obj)
	return m
}

func (o *obj) has(k string) bool { return o.get(k) != nil }

// each calls fn for every mapping under o, in file order.
func (o *obj) each(fn func(name string, v *obj)) {
	if o == nil {
		return
	}
	for _, k := range o.keys {
		if m, ok := o.vals[k].(*obj); ok {
			fn(k, m)
		}
	}
}

// strings returns every scalar of o by key (nested mappings left out).
func (o *obj) strings() map[string]string {
	out := map[string]string{}
	if o == nil {
		return out
	}
	for _, k := range o.keys {
		if s, ok := o.vals[k].(string); ok {
			out[k] = strings.TrimSpace(s)
		}
	}
	return out
}

// merge lays over on top of o, mapping by mapping, as OpenStack merges
// secure.yaml over clouds.yaml.
func (o *obj) merge(over *obj) *obj {
	if over == nil {
		return o
	}
	if o == nil {
		o = &obj{vals: map[string]any{}}
	}
	for _, k := range over.keys {
		ov := over.vals[k]
		if cur, ok := o.vals[k].(*obj); ok {
			if om, ok := ov.(*obj); ok {
				o.vals[k] = cur.merge(om)
				continue
			}
		}
		if _, had := o.vals[k]; !had {
			o.keys = append(o.keys, k)
		}
		o.vals[k] = ov
	}
	return o
}

// truthy reads Cloudmesh's booleans: true, True, yes.
func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1":
		return true
	}
	return false
}
