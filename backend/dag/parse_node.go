package dag

import (
	"cmp"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Limits that keep a hostile or broken file from exhausting memory or time.
// yaml.v3 limits aliasing only when it decodes into Go values; decoding into
// a yaml.Node leaves aliases unexpanded, so measure counts what the walk
// would visit before it starts ("billion laughs" files).
const (
	maxFileSize     = 8 << 20   // bytes; a last guard for callers of Parse: the DAG folder refuses files over 1 MiB unread
	maxSyntaxSearch = 4 << 20   // bytes decoded to find the line of a syntax error
	maxExpanded     = 1_000_000 // nodes once aliases and merges are expanded
	maxMergeDepth   = 32        // nested "<<" merges
	maxShownLength  = 40        // characters of a value quoted in a message
	maxForeignMsg   = 200       // characters kept of another library's message
	maxMessage      = 1000      // characters of one message or hint: a backstop behind excerpt
)

// parser walks a yaml.Node tree into a DAG, collecting every error.
type parser struct {
	errs errorList
	// bad are the keys whose values did not decode. Validation says
	// nothing more at those positions: the field is only missing, not
	// wrong a second time.
	bad map[Pos]bool
}

// field decodes one key's value with fn, marking the key bad if that
// added an error.
func (p *parser) field(pr pair, fn func()) {
	before := len(p.errs.errs)
	fn()
	if len(p.errs.errs) > before && p.bad != nil {
		p.bad[posOf(pr.k)] = true
	}
}

// pair is one key/value of a mapping with the key already decoded.
type pair struct {
	key  string
	k, v *yaml.Node
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// deref follows an alias to the node it names, so callers see values.
func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		return n.Alias
	}
	return n
}

// expansion measures a document with every alias expanded, in time
// proportional to the document as written: sizes of anchored nodes are
// memoized, and counting stops past maxExpanded. It also finds aliases
// used inside their own anchor (&a [*a]), which yaml.v3 accepts into a
// Node and which would send any walk round forever.
type expansion struct {
	memo   map[*yaml.Node]int
	active map[*yaml.Node]bool // anchored nodes being measured
	loop   *yaml.Node          // the first alias found inside its own anchor
}

func measure(doc *yaml.Node) (size int, loop *yaml.Node) {
	e := expansion{memo: map[*yaml.Node]int{}, active: map[*yaml.Node]bool{}}
	size = e.size(doc)
	return size, e.loop
}

func (e *expansion) size(n *yaml.Node) int {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if e.active[n.Alias] {
			e.loop = cmp.Or(e.loop, n)
			return maxExpanded + 1
		}
		n = n.Alias
	}
	if size, ok := e.memo[n]; ok {
		return size
	}
	anchored := n.Anchor != "" // only anchored nodes can be reached twice
	if anchored {
		e.active[n] = true
	}
	size := 1
	for _, c := range n.Content {
		if size > maxExpanded {
			break
		}
		size += e.size(c)
	}
	if anchored {
		delete(e.active, n)
		e.memo[n] = size
	}
	return size
}

// firstAlias returns the first alias in document order, where an alias
// bomb is reported; n itself when there is none.
func firstAlias(n *yaml.Node) *yaml.Node {
	for _, c := range n.Content {
		if c.Kind == yaml.AliasNode {
			return c
		}
		if a := firstAlias(c); a != c {
			return a
		}
	}
	return n
}

// describe names what a node holds, for "must be X, found Y" messages.
func describe(n *yaml.Node) string {
	n = deref(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!null":
		return "nothing (null)"
	}
	return excerpt(n.Value)
}

// excerpt quotes a value from the file for a message, cut so a long
// script (or a hostile 500 KB cron) does not swamp the error. Every
// message that quotes input goes through it; quoting also escapes control
// characters, so a value cannot drive the terminal that prints it.
func excerpt(s string) string {
	return strconv.Quote(cut(s, maxShownLength))
}

// cut shortens s to at most n characters, marking the cut with "…", for
// input shown unquoted (paths, template fields) and for messages of other
// libraries that repeat the input.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// pairs returns a mapping's entries in file order with "<<" merge keys
// expanded (explicit keys win, as in YAML), reporting duplicate and
// non-string keys. ctx prefixes messages, e.g. `task "build": `.
func (p *parser) pairs(n *yaml.Node, ctx string) []pair {
	return p.mergedPairs(n, ctx, 0)
}

func (p *parser) mergedPairs(n *yaml.Node, ctx string, depth int) []pair {
	seen := make(map[string]int, len(n.Content)/2)
	var out []pair
	var merged [][]pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			merged = append(merged, p.mergeSources(v, ctx, depth)...)
			continue
		}
		key, ok := p.key(k, ctx)
		if !ok {
			continue
		}
		if line, dup := seen[key]; dup {
			p.errs.add(posOf(k), "YAML keeps only one of them; remove the other",
				"%sduplicate key %s (first at line %d)", ctx, excerpt(key), line)
			continue
		}
		seen[key] = k.Line
		out = append(out, pair{key: key, k: k, v: v})
	}
	for _, src := range merged {
		for _, pr := range src {
			if _, ok := seen[pr.key]; !ok {
				seen[pr.key] = pr.k.Line
				out = append(out, pr)
			}
		}
	}
	return out
}

func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Style == 0 && k.Value == "<<" && (k.Tag == "" || k.Tag == "!!merge")
}

// mergeSources resolves the value of a "<<" key: one mapping or a list of
// them, usually aliases.
func (p *parser) mergeSources(v *yaml.Node, ctx string, depth int) [][]pair {
	if depth >= maxMergeDepth {
		p.errs.add(posOf(v), "flatten the chain of anchors", "%smerges (<<) nest more than %d deep", ctx, maxMergeDepth)
		return nil
	}
	v = deref(v)
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		items = v.Content
	}
	var out [][]pair
	for _, item := range items {
		item = deref(item)
		if item.Kind != yaml.MappingNode {
			p.errs.add(posOf(item), "write <<: *anchor where the anchor (&anchor) is on a mapping",
				"%s<< must merge a mapping, found %s", ctx, describe(item))
			continue
		}
		out = append(out, p.mergedPairs(item, ctx, depth+1))
	}
	return out
}

// key decodes a mapping key; keys are plain strings in every part of the
// format, so a list or mapping as a key is always a mistake.
func (p *parser) key(k *yaml.Node, ctx string) (string, bool) {
	k = deref(k)
	if k.Kind != yaml.ScalarNode {
		p.errs.add(posOf(k), "keys are plain names such as id or command",
			"%skeys must be strings, found %s", ctx, describe(k))
		return "", false
	}
	return k.Value, true
}

// mapping returns n as a mapping; null counts as an empty one, so `with:`
// with nothing under it is not an error.
func (p *parser) mapping(n *yaml.Node, ctx, field string) (*yaml.Node, bool) {
	n = deref(n)
	switch {
	case n.Kind == yaml.MappingNode:
		return n, true
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return nil, true
	}
	p.errs.add(posOf(n), "", "%s%s must be a mapping (key: value lines), found %s", ctx, field, describe(n))
	return nil, false
}

// str reads a scalar as text whatever its YAML type, so `name: 2024` works;
// null reads as "".
func (p *parser) str(n *yaml.Node, ctx, field string) string {
	n = deref(n)
	if n.Kind != yaml.ScalarNode {
		p.errs.add(posOf(n), "", "%s%s must be a string, found %s", ctx, field, describe(n))
		return ""
	}
	if n.ShortTag() == "!!null" {
		return ""
	}
	return n.Value
}

// integer reads a whole number; a quoted number is refused with a hint,
// since the quotes are the likely mistake.
func (p *parser) integer(n *yaml.Node, ctx, field string) (int, bool) {
	n = deref(n)
	var i int
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" && n.Decode(&i) == nil {
		return i, true
	}
	hint := ""
	if _, err := strconv.Atoi(strings.TrimSpace(n.Value)); err == nil && n.Kind == yaml.ScalarNode {
		hint = "remove the quotes"
	}
	p.errs.add(posOf(n), hint, "%s%s must be a whole number, found %s", ctx, field, describe(n))
	return 0, false
}

// boolean reads true/false (YAML also accepts yes/no style via its tags).
func (p *parser) boolean(n *yaml.Node, ctx, field string) (bool, bool) {
	n = deref(n)
	var b bool
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" && n.Decode(&b) == nil {
		return b, true
	}
	p.errs.add(posOf(n), "use true or false", "%s%s must be true or false, found %s", ctx, field, describe(n))
	return false, false
}

// duration reads a Go duration string ("90s", "1h30m") or a whole number
// of seconds, the two forms people write by hand.
func (p *parser) duration(n *yaml.Node, ctx, field string) (time.Duration, bool) {
	n = deref(n)
	if d, ok := scalarDuration(n); ok {
		return d, true
	}
	p.errs.add(posOf(n), `use a Go duration such as "90s", "5m" or "1h30m", or a whole number of seconds`,
		"%s%s: invalid duration %s", ctx, field, describe(n))
	return 0, false
}

func scalarDuration(n *yaml.Node) (time.Duration, bool) {
	if n.Kind != yaml.ScalarNode {
		return 0, false
	}
	switch n.ShortTag() {
	case "!!int":
		var secs int64
		if n.Decode(&secs) != nil || secs > math.MaxInt64/int64(time.Second) || secs < math.MinInt64/int64(time.Second) {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	case "!!str":
		d, err := time.ParseDuration(n.Value)
		return d, err == nil
	}
	return 0, false
}

// strList reads a list of strings, also accepting one bare string, which is
// how `needs: build` is naturally written. It returns each item's position.
func (p *parser) strList(n *yaml.Node, ctx, field string) ([]string, []Pos) {
	n = deref(n)
	switch {
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return nil, nil
	case n.Kind == yaml.ScalarNode:
		return []string{n.Value}, []Pos{posOf(n)}
	case n.Kind != yaml.SequenceNode:
		p.errs.add(posOf(n), fmt.Sprintf("write %s: [a, b] or one name", field),
			"%s%s must be a list of names, found %s", ctx, field, describe(n))
		return nil, nil
	}
	out := make([]string, 0, len(n.Content))
	pos := make([]Pos, 0, len(n.Content))
	for _, item := range n.Content {
		if s := p.str(item, ctx, field+" item"); s != "" {
			out, pos = append(out, s), append(pos, posOf(deref(item)))
		}
	}
	return out, pos
}
