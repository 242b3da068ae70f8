package dag

import (
	"text/template"
	"text/template/parse"
)

// templateUse is what a template reads and calls, found by walking its
// parse tree: validation checks the paths against the DAG, and rendering
// copies in only the tasks the template reads.
type templateUse struct {
	// refs are paths from the root of the data: {{ .tasks.a.outputs.k }}
	// is [tasks a outputs k]. A path stops where it stops being static
	// ({{ index .tasks $id }} is [tasks]); the root itself is [].
	refs  [][]string
	funcs map[string]bool // functions called, by name
	// computedSecret is set when secret is called with anything but a
	// string literal: a name computed from a value (another secret, a
	// param) could end up in an error message in the clear.
	computedSecret bool
}

// walkTemplate collects the references of t and of the templates it
// defines. In the main template both "." (until range or with rebinds it)
// and "$" are the root; in a {{define}} body neither is known.
func walkTemplate(t *template.Template) templateUse {
	w := &refWalker{use: templateUse{funcs: map[string]bool{}}}
	for _, sub := range t.Templates() {
		if sub.Tree == nil {
			continue
		}
		w.dollarRoot = sub.Name() == t.Name()
		w.node(sub.Root, w.dollarRoot)
	}
	return w.use
}

type refWalker struct {
	use        templateUse
	dollarRoot bool // "$" is the root data in the tree being walked
}

// node walks a statement; dotRoot says whether "." is the root data here.
func (w *refWalker) node(n parse.Node, dotRoot bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			w.node(c, dotRoot)
		}
	case *parse.ActionNode:
		w.pipe(n.Pipe, dotRoot)
	case *parse.TemplateNode:
		w.pipe(n.Pipe, dotRoot)
	case *parse.IfNode:
		w.branch(&n.BranchNode, dotRoot, dotRoot)
	case *parse.RangeNode:
		w.branch(&n.BranchNode, dotRoot, false)
	case *parse.WithNode:
		w.branch(&n.BranchNode, dotRoot, false)
	}
}

// branch walks if/range/with: the condition and the else part see the
// outer dot, the body of range and with a rebound one.
func (w *refWalker) branch(b *parse.BranchNode, dotRoot, bodyRoot bool) {
	w.pipe(b.Pipe, dotRoot)
	w.node(b.List, bodyRoot)
	w.node(b.ElseList, dotRoot)
}

func (w *refWalker) pipe(p *parse.PipeNode, dotRoot bool) {
	if p == nil {
		return
	}
	for k, c := range p.Cmds {
		if isCall(c, "secret") && !literalArg(p.Cmds, k) {
			w.use.computedSecret = true
		}
		w.command(c, dotRoot)
	}
}

func isCall(c *parse.CommandNode, name string) bool {
	id, ok := c.Args[0].(*parse.IdentifierNode)
	return ok && id.Ident == name
}

// literalArg reports whether command k of a pipeline gets one string
// literal as its argument: {{ secret "name" }} or {{ "name" | secret }}.
func literalArg(cmds []*parse.CommandNode, k int) bool {
	switch c := cmds[k]; {
	case len(c.Args) == 2:
		_, ok := c.Args[1].(*parse.StringNode)
		return ok
	case len(c.Args) == 1 && k > 0 && len(cmds[k-1].Args) == 1:
		_, ok := cmds[k-1].Args[0].(*parse.StringNode)
		return ok
	}
	return false
}

func (w *refWalker) command(c *parse.CommandNode, dotRoot bool) {
	if path, rest, ok := w.indexPath(c, dotRoot); ok {
		w.ref(path)
		for _, a := range rest {
			w.arg(a, dotRoot)
		}
		return
	}
	for _, a := range c.Args {
		w.arg(a, dotRoot)
	}
}

// indexPath reads {{ index .tasks "my-task" "outputs" "k" }} as the path
// [tasks my-task outputs k]: ids with "-" cannot be written as fields, so
// index is how they are reached. rest are the arguments not folded in.
func (w *refWalker) indexPath(c *parse.CommandNode, dotRoot bool) (path []string, rest []parse.Node, ok bool) {
	if len(c.Args) < 2 {
		return nil, nil, false
	}
	if id, isIdent := c.Args[0].(*parse.IdentifierNode); !isIdent || id.Ident != "index" {
		return nil, nil, false
	}
	w.use.funcs["index"] = true
	base, ok := w.path(c.Args[1], dotRoot)
	if !ok {
		return nil, nil, false
	}
	rest = c.Args[2:]
	for len(rest) > 0 {
		s, isString := rest[0].(*parse.StringNode)
		if !isString {
			break
		}
		base, rest = append(base, s.Text), rest[1:]
	}
	return base, rest, true
}

func (w *refWalker) arg(a parse.Node, dotRoot bool) {
	switch a := a.(type) {
	case *parse.IdentifierNode:
		w.use.funcs[a.Ident] = true
	case *parse.PipeNode:
		w.pipe(a, dotRoot)
	case *parse.ChainNode:
		if path, ok := w.path(a, dotRoot); ok {
			w.ref(path)
		} else if p, isPipe := a.Node.(*parse.PipeNode); isPipe {
			w.pipe(p, dotRoot)
		}
	default:
		if path, ok := w.path(a, dotRoot); ok {
			w.ref(path)
		}
	}
}

// path returns the static path a node reads from the root, if it does.
func (w *refWalker) path(n parse.Node, dotRoot bool) ([]string, bool) {
	switch n := n.(type) {
	case *parse.DotNode:
		return []string{}, dotRoot
	case *parse.FieldNode:
		return clone(n.Ident), dotRoot
	case *parse.VariableNode:
		if n.Ident[0] == "$" && w.dollarRoot {
			return clone(n.Ident[1:]), true
		}
	case *parse.ChainNode:
		if base, ok := w.chainBase(n.Node, dotRoot); ok {
			return append(base, n.Field...), true
		}
	}
	return nil, false
}

// chainBase resolves the left side of (x).field: a path, or a
// parenthesised pipeline that is one static path such as an index call.
func (w *refWalker) chainBase(n parse.Node, dotRoot bool) ([]string, bool) {
	p, isPipe := n.(*parse.PipeNode)
	if !isPipe {
		return w.path(n, dotRoot)
	}
	if len(p.Decl) > 0 || len(p.Cmds) != 1 {
		return nil, false
	}
	c := p.Cmds[0]
	if path, rest, ok := w.indexPath(c, dotRoot); ok && len(rest) == 0 {
		return path, true
	}
	if len(c.Args) == 1 {
		return w.path(c.Args[0], dotRoot)
	}
	return nil, false
}

func (w *refWalker) ref(path []string) { w.use.refs = append(w.use.refs, path) }

func clone(s []string) []string { return append([]string{}, s...) }
