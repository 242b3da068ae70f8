package dag

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// dagFields are the top-level keys, in the order the docs present them.
var dagFields = []string{
	"name", "description", "tags", "schedule", "timezone", "catchup",
	"max_active_runs", "overlap", "start_paused", "params", "vars", "defaults", "tasks",
}

// yamlLine matches the "line N: " yaml.v3 puts in some messages; its number
// is often the line of the enclosing construct or 0-based, so it is
// stripped and the line found again (see syntaxLine).
var yamlLine = regexp.MustCompile(`^(yaml: )?(line \d+: )?`)

// Parse decodes one DAG file. It checks the shape of the file (known keys,
// value types, durations); Validate checks what the values mean (ops,
// needs, cycles, templates). Every problem found is returned, as Errors.
// When name is absent it defaults to the file's base name without its
// extension. The DAG keeps the YAML document so Marshal can write it back
// with comments and key order intact.
//
// Positions are recorded by dotted path, so errors found later can point
// at nested values: DAG.Pos has the top-level keys plus "params.<name>",
// "params.<name>.<field>", "vars.<name>" and "defaults.<field>";
// Task.KeyPos has the task's keys plus "with.<arg>" and deeper paths
// ("with.env.HOME", "with.args[0]") and "needs.<id>" at each listed id.
func Parse(file string, data []byte) (*DAG, error) {
	d, p, err := decodeDAG(file, data)
	if err != nil {
		return nil, err
	}
	if err := p.errs.err(); err != nil {
		return nil, err
	}
	return d, nil
}

// decodeDAG decodes what it can. It fails only when there is no mapping to
// read (a syntax error, an empty file); otherwise it returns the DAG with
// the fields that decoded, and the parser holds the errors of the others
// and where they are, so Load can still validate the rest.
func decodeDAG(file string, data []byte) (*DAG, *parser, error) {
	p := &parser{errs: errorList{file: file}, bad: map[Pos]bool{}}
	root, doc, err := p.decode(data)
	if err != nil {
		return nil, nil, err
	}
	d := &DAG{
		File: file, doc: doc, Pos: map[string]Pos{},
		Catchup: CatchupNone, Overlap: OverlapSkip,
		Defaults: TaskDefaults{RetryBackoff: BackoffConstant},
	}
	for _, pr := range p.pairs(root, "") {
		d.Pos[pr.key] = posOf(pr.k)
		p.field(pr, func() { p.dagField(d, pr) })
	}
	if _, set := d.Pos["name"]; !set {
		d.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	return d, p, nil
}

// decode turns bytes into the document node and its root mapping, or into
// a located error: syntax errors, empty files, several documents, sizes
// beyond the limits.
func (p *parser) decode(data []byte) (root, doc *yaml.Node, err error) {
	if len(data) > maxFileSize {
		p.errs.add(Pos{}, "split it into several DAGs", "the file is %d bytes; a DAG file may be at most %d", len(data), maxFileSize)
		return nil, nil, p.errs.err()
	}
	doc, err = decodeDoc(data)
	switch {
	case errors.Is(err, io.EOF):
		p.errs.add(Pos{}, "a DAG needs at least a tasks: list; see docs/dag-format.md", "the file is empty")
	case err != nil:
		p.syntaxError(data, err)
	default:
		p.checkAliases(doc)
	}
	if err := p.errs.err(); err != nil {
		return nil, nil, err
	}
	untagMergeKeys(doc)
	root = doc.Content[0]
	if root.Kind != yaml.MappingNode {
		p.errs.add(posOf(root), "start with name:, then tasks:; see docs/dag-format.md",
			"a DAG file must be a mapping of fields (name, tasks, ...), found %s", describe(root))
	}
	return root, doc, p.errs.err()
}

// checkAliases rejects documents whose aliases loop or expand beyond
// maxExpanded nodes, before anything walks them.
func (p *parser) checkAliases(doc *yaml.Node) {
	switch size, loop := measure(doc); {
	case loop != nil:
		p.errs.add(posOf(loop), "an anchor cannot contain itself; copy the values instead",
			"alias *%s is used inside its own anchor", cut(loop.Value, maxShownLength))
	case size > maxExpanded && firstAlias(doc) == doc:
		p.errs.add(Pos{}, "split it into several DAGs",
			"the document has more than %d values", maxExpanded)
	case size > maxExpanded:
		p.errs.add(posOf(firstAlias(doc)), "use fewer aliases (*name) or merges (<<), or split the DAG",
			"the document has more than %d values once its aliases are expanded", maxExpanded)
	}
}

// decodeDoc reads exactly one YAML document. A panic inside yaml.v3 is
// turned into an error: the server parses whatever lands in dags/, and one
// bad file must not take it down.
func decodeDoc(data []byte) (doc *yaml.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("yaml: internal error: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	doc = new(yaml.Node)
	if err := dec.Decode(doc); err != nil {
		return nil, err
	}
	if len(doc.Content) == 0 || doc.Content[0].ShortTag() == "!!null" {
		return nil, io.EOF // a document of comments only, or a bare "---"
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, fmt.Errorf("line %d: a DAG file holds one YAML document; found another after ---", extra.Line)
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	return doc, nil
}

// untagMergeKeys clears the !!merge tag yaml.v3 puts on "<<" keys: its
// encoder would otherwise write them back as "!!merge <<", breaking the
// round trip. isMergeKey recognises them without the tag.
func untagMergeKeys(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				k.Tag = ""
			}
		}
	}
	for _, c := range n.Content {
		untagMergeKeys(c)
	}
}

// syntaxError reports a yaml.v3 syntax error. yaml.v3's line number is not
// reliable (often the enclosing block's, sometimes 0-based, often absent),
// so the line is found by decoding ever longer prefixes of the file.
func (p *parser) syntaxError(data []byte, err error) {
	msg := cut(yamlLine.ReplaceAllString(err.Error(), ""), maxForeignMsg)
	if strings.HasPrefix(msg, "a DAG file holds one") {
		p.errs.add(Pos{Line: lineOf(err)}, "remove the --- and what follows, or move it into its own file", "%s", msg)
		return
	}
	p.errs.add(Pos{Line: syntaxLine(data, msg, yamlErrLine(err))},
		"check the indentation and quoting on this line and the one before it",
		"invalid YAML: %s", msg)
}

// syntaxLine returns the first line at which a prefix of data fails with
// msg, found by binary search: once the broken line is included the error
// stays, and before it the prefix decodes. Each step decodes a prefix, so
// the search stops after maxSyntaxSearch bytes (a broken 7 MiB file took
// 36 s) and then trusts yaml.v3's own line, guess, if it is in the range
// still open.
func syntaxLine(data []byte, msg string, guess int) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	lo, hi := 1, len(lines)
	offset := make([]int, len(lines)+1) // offset[k]: bytes in the first k lines
	for k, l := range lines {
		offset[k+1] = offset[k] + len(l)
	}
	for budget := maxSyntaxSearch; lo < hi; {
		mid := (lo + hi) / 2
		if budget -= offset[mid]; budget < 0 {
			return min(max(guess, lo), hi)
		}
		if prefixFails(data[:offset[mid]], msg) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// yamlErrLineRE finds the line yaml.v3 names in its message.
var yamlErrLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+):`)

func yamlErrLine(err error) int {
	m := yamlErrLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func prefixFails(prefix []byte, msg string) bool {
	_, err := decodeDoc(prefix)
	return err != nil && !errors.Is(err, io.EOF) && cut(yamlLine.ReplaceAllString(err.Error(), ""), maxForeignMsg) == msg
}

// lineOf extracts N from an error that starts "line N:", for the errors
// decodeDoc makes itself.
func lineOf(err error) int {
	var n int
	if _, scanErr := fmt.Sscanf(err.Error(), "line %d:", &n); scanErr != nil {
		return 0
	}
	return n
}

// Marshal writes the DAG's YAML document back out with 2-space indentation,
// keeping comments and key order. It writes the document as parsed: edits
// to the DAG's fields are not reflected (the canvas edits the document).
func (d *DAG) Marshal() ([]byte, error) {
	if d.doc == nil {
		return nil, fmt.Errorf("dag: marshal %s: %w", excerpt(d.Name), ErrNoDocument)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(d.doc); err != nil {
		return nil, fmt.Errorf("dag: marshal %s: %w", excerpt(d.Name), err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("dag: marshal %s: %w", excerpt(d.Name), err)
	}
	return buf.Bytes(), nil
}

// Load parses and validates one DAG file: what the dags/ folder watcher and
// `meshflow dag validate` do with each file. The DAG is returned only when
// it is valid, so a caller cannot run a half-checked one by mistake.
//
// A field that does not decode does not hide the rest of the file: what
// did decode is validated too, and all errors come back at once, except
// those a broken field would only cause ("no op" after "op must be a
// string").
func Load(file string, data []byte, ops Catalog) (*DAG, error) {
	d, p, err := decodeDAG(file, data)
	if err != nil {
		return nil, err
	}
	v := newValidator(d, ops)
	v.errs.skip = p.bad
	v.paramsLost = p.bad[d.Pos["params"]] && len(d.Params) == 0
	v.run()
	all := append(p.errs.errs, v.errs.errs...)
	if len(all) > 0 {
		return nil, all.sorted().capped()
	}
	return d, nil
}
