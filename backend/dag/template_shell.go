package dag

import (
	"text/template"
	"text/template/parse"
)

// Shell quoting states of the text around a template action. quoteState
// follows only what decides whether quote protects a value: outside any
// quotes it does; inside '…' or "…" its own quotes are plain text and
// $(…) still runs. shellUnknown is where the lexer gives up (heredocs,
// backticks), and no context is claimed.
const (
	shellBare    = 0
	shellSingle  = '\''
	shellDouble  = '"'
	shellUnknown = 0xff
)

// paste is one value a template writes into shell text: the static path
// it reads, whether the action ends in quote, and the shell quoting state
// where it lands.
type paste struct {
	ref    []string
	quoted bool
	state  byte
}

// shellPastes lists what the main template writes into the text, for the
// warnings on shell arguments. {{define}} bodies and variables ({{ $x }})
// are not followed: the check is a guide, not a proof.
func shellPastes(t *template.Template) []paste {
	if t == nil || t.Tree == nil {
		return nil
	}
	w := &pasteWalker{wordStart: true}
	w.list(t.Root, true, nil)
	return w.out
}

type pasteWalker struct {
	out       []paste
	state     byte
	wordStart bool // the next text begins a shell word, where # starts a comment
}

// list walks a body. dot lists the paths "." stands for inside range and
// with, so {{ range .params.hosts }}{{ . }}{{ end }} counts as reading
// .params.hosts.
func (w *pasteWalker) list(l *parse.ListNode, dotRoot bool, dot [][]string) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			w.state, w.wordStart = quoteState(w.state, w.wordStart, string(n.Text))
		case *parse.ActionNode:
			w.action(n.Pipe, dotRoot, dot)
		case *parse.IfNode:
			w.branch(&n.BranchNode, dotRoot, dot, dotRoot, dot)
		case *parse.RangeNode:
			w.branch(&n.BranchNode, dotRoot, dot, false, w.dotPaths(n.Pipe, dotRoot, dot))
		case *parse.WithNode:
			w.branch(&n.BranchNode, dotRoot, dot, false, w.dotPaths(n.Pipe, dotRoot, dot))
		}
	}
}

// branch walks both arms from the state before the branch and resumes
// from it afterwards: arms are usually balanced, and guessing which one
// runs would be worse.
func (w *pasteWalker) branch(b *parse.BranchNode, dotRoot bool, dot [][]string, bodyRoot bool, bodyDot [][]string) {
	state, word := w.state, w.wordStart
	w.list(b.List, bodyRoot, bodyDot)
	w.state, w.wordStart = state, word
	w.list(b.ElseList, dotRoot, dot)
	w.state, w.wordStart = state, word
}

func (w *pasteWalker) action(p *parse.PipeNode, dotRoot bool, dot [][]string) {
	w.wordStart = false
	if p == nil || len(p.Decl) > 0 {
		return // {{ $x := ... }} writes nothing
	}
	quoted := endsInQuote(p)
	for _, ref := range pipeRefs(p, dotRoot) {
		w.out = append(w.out, paste{ref: ref, quoted: quoted, state: w.state})
	}
	if !dotRoot && readsDot(p) {
		for _, ref := range dot {
			w.out = append(w.out, paste{ref: ref, quoted: quoted, state: w.state})
		}
	}
}

// dotPaths is what "." becomes in the body of range or with over p.
func (w *pasteWalker) dotPaths(p *parse.PipeNode, dotRoot bool, dot [][]string) [][]string {
	refs := pipeRefs(p, dotRoot)
	if !dotRoot && readsDot(p) {
		refs = append(refs, dot...)
	}
	return refs
}

func pipeRefs(p *parse.PipeNode, dotRoot bool) [][]string {
	rw := &refWalker{use: templateUse{funcs: map[string]bool{}}, dollarRoot: true}
	rw.pipe(p, dotRoot)
	return rw.use.refs
}

// endsInQuote reports whether the action's value goes through quote last:
// {{ quote .x }} or {{ .x | quote }}.
func endsInQuote(p *parse.PipeNode) bool {
	if len(p.Cmds) == 0 {
		return false
	}
	last := p.Cmds[len(p.Cmds)-1]
	id, ok := last.Args[0].(*parse.IdentifierNode)
	return ok && id.Ident == "quote"
}

// readsDot reports whether a pipeline reads "." (or a field of it).
func readsDot(p *parse.PipeNode) bool {
	for _, c := range p.Cmds {
		for _, a := range c.Args {
			switch a := a.(type) {
			case *parse.DotNode, *parse.FieldNode:
				return true
			case *parse.PipeNode:
				if readsDot(a) {
					return true
				}
			case *parse.ChainNode:
				if inner, ok := a.Node.(*parse.PipeNode); ok && readsDot(inner) {
					return true
				}
				if _, ok := a.Node.(*parse.DotNode); ok {
					return true
				}
			}
		}
	}
	return false
}

// quoteState runs a POSIX shell's quoting rules over text from state and
// returns the state at its end. Comments are skipped (an apostrophe in
// "# don't" quotes nothing); heredocs and backticks end the analysis.
func quoteState(state byte, wordStart bool, text string) (byte, bool) {
	for i := 0; i < len(text) && state != shellUnknown; i++ {
		c := text[i]
		switch state {
		case shellSingle:
			if c == '\'' {
				state = shellBare
			}
		case shellDouble:
			switch c {
			case '\\':
				i++
			case '"':
				state = shellBare
			case '`':
				state = shellUnknown
			}
		default:
			switch {
			case c == '#' && wordStart:
				for i < len(text) && text[i] != '\n' {
					i++
				}
			case c == '\\':
				i++
			case c == '\'' || c == '"':
				state = c
			case c == '`', c == '<' && i+1 < len(text) && text[i+1] == '<':
				state = shellUnknown
			}
		}
		wordStart = i < len(text) && isWordBreak(text[i])
	}
	return state, wordStart
}

func isWordBreak(c byte) bool {
	switch c {
	case ' ', '\t', '\n', ';', '&', '|', '(', ')':
		return true
	}
	return false
}
