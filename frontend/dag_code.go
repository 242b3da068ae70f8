package frontend

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/frontend/pages"
)

// codeView shows the DAG's file as it is on disk now, so a broken file is
// shown with its errors under the lines they point at. The version that
// runs is shown instead when the file cannot be read.
func (h *Handler) codeView(e *dagdir.Entry) pages.CodeView {
	c := pages.CodeView{File: filepath.Base(e.File)}
	src, err := os.ReadFile(e.File)
	switch {
	case err != nil && e.Source != nil:
		src, c.Note = e.Source, "The file cannot be read now; this is the version that runs."
	case err != nil:
		c.Note = "The file cannot be read: " + err.Error()
	case e.Stale():
		c.Note = "The file as it is now; the last good version still runs until the errors below are fixed."
	}
	byLine := errorsByLine(e.Err)
	for i, toks := range highlightYAML(string(src)) {
		c.Lines = append(c.Lines, pages.CodeLine{N: i + 1, Tokens: toks, Errors: byLine[i+1]})
	}
	return c
}

// errorsByLine groups a file's validation errors by the line they are at;
// those with no line go to line 1.
func errorsByLine(err error) map[int][]string {
	if err == nil {
		return nil
	}
	var list dag.Errors
	var one *dag.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = dag.Errors{one}
	default:
		return map[int][]string{1: {err.Error()}}
	}
	out := map[int][]string{}
	for _, e := range list {
		msg := e.Msg
		if e.Hint != "" {
			msg += " (" + e.Hint + ")"
		}
		out[max(e.Line, 1)] = append(out[max(e.Line, 1)], msg)
	}
	return out
}

// blockScalar matches the value that starts a multi-line string: | or >
// with optional chomping and indentation indicators.
var blockScalar = regexp.MustCompile(`^[|>][-+0-9]*$`)

// literal matches plain scalars that are not strings.
var literal = regexp.MustCompile(`^(true|false|null|~|-?[0-9][0-9_]*(\.[0-9]+)?[smh]?)$`)

// highlightYAML cuts YAML into tokens for the code view: keys, strings,
// comments, literals, punctuation and {{ template }} actions. It is a
// line-by-line approximation, not a parser; the only state it keeps is
// whether a line belongs to a multi-line string, where # is not a comment.
func highlightYAML(src string) [][]pages.Token {
	lines := strings.Split(strings.TrimSuffix(src, "\n"), "\n")
	out := make([][]pages.Token, len(lines))
	block := -1 // column a block scalar's lines must be indented beyond; -1: none
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		indent := len(l) - len(strings.TrimLeft(l, " "))
		if block >= 0 && (strings.TrimSpace(l) == "" || indent > block) {
			out[i] = templated(l, "tok-str")
			continue
		}
		out[i], block = highlightLine(l, indent)
	}
	return out
}

// highlightLine tokenizes one line outside a block scalar; it returns the
// key's column when the line starts a block scalar, else -1.
func highlightLine(l string, indent int) ([]pages.Token, int) {
	code, comment := splitComment(l)
	toks := plain(nil, code[:min(indent, len(code))])
	rest, col := code[min(indent, len(code)):], indent
	for rest == "-" || strings.HasPrefix(rest, "- ") {
		toks = append(toks, pages.Token{Class: "tok-punct", Text: "-"})
		spaces := len(rest[1:]) - len(strings.TrimLeft(rest[1:], " "))
		toks = plain(toks, rest[1:1+spaces])
		rest, col = rest[1+spaces:], col+1+spaces
	}
	if k := keyLen(rest); k > 0 {
		toks = append(toks, pages.Token{Class: "tok-key", Text: rest[:k]}, pages.Token{Class: "tok-punct", Text: ":"})
		rest = rest[k+1:]
	}
	block := -1
	value := strings.TrimSpace(rest)
	lead := rest[:len(rest)-len(strings.TrimLeft(rest, " "))]
	toks = plain(toks, lead)
	switch {
	case value == "":
		toks = plain(toks, rest[len(lead):])
	case blockScalar.MatchString(value):
		toks = append(toks, pages.Token{Class: "tok-punct", Text: rest[len(lead):]})
		block = col
	case value[0] == '"' || value[0] == '\'':
		toks = append(toks, templated(rest[len(lead):], "tok-str")...)
	case literal.MatchString(value):
		toks = append(toks, pages.Token{Class: "tok-lit", Text: rest[len(lead):]})
	default:
		toks = append(toks, templated(rest[len(lead):], "")...)
	}
	if comment != "" {
		toks = append(toks, pages.Token{Class: "tok-comment", Text: comment})
	}
	return toks, block
}

// splitComment cuts a line before a # that starts a comment: at the start
// or after a space, and outside quotes.
func splitComment(l string) (code, comment string) {
	var quote byte
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#' && (i == 0 || l[i-1] == ' ' || l[i-1] == '\t'):
			return l[:i], l[i:]
		}
	}
	return l, ""
}

// keyLen is the length of the mapping key that starts s, or 0.
func keyLen(s string) int {
	i := strings.IndexByte(s, ':')
	if i <= 0 || (i+1 < len(s) && s[i+1] != ' ') || strings.ContainsAny(s[:i], "\"'{}[],#") {
		return 0
	}
	return i
}

// templated cuts s into {{ template }} actions and the text around them,
// which gets class.
func templated(s, class string) []pages.Token {
	var toks []pages.Token
	for s != "" {
		start := strings.Index(s, "{{")
		end := strings.Index(s[max(start, 0):], "}}")
		if start < 0 || end < 0 {
			break
		}
		end += start + 2
		if start > 0 {
			toks = append(toks, pages.Token{Class: class, Text: s[:start]})
		}
		toks = append(toks, pages.Token{Class: "tok-tmpl", Text: s[start:end]})
		s = s[end:]
	}
	if s != "" {
		toks = append(toks, pages.Token{Class: class, Text: s})
	}
	return toks
}

// plain appends s as an unstyled token, if there is any.
func plain(toks []pages.Token, s string) []pages.Token {
	if s == "" {
		return toks
	}
	return append(toks, pages.Token{Text: s})
}
