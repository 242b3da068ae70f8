package dag

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Sentinel errors. Error and Errors carry the user-facing detail; these
// exist so callers can tell failure kinds apart with errors.Is.
var (
	// ErrCyclic is returned by NewPlan, wrapped with the cycle's path, when
	// the tasks' needs form a loop.
	ErrCyclic = errors.New("dag: dependency cycle")
	// ErrNoDocument is returned by Marshal for a DAG that was not parsed
	// from YAML and so has no document to re-encode.
	ErrNoDocument = errors.New("dag: no YAML document to encode")
)

// Error is one problem in a DAG file, located for the person who has to
// fix it. Line and Col are 1-based; 0 means unknown (a syntax error whose
// column yaml.v3 does not report, or a DAG built in code).
type Error struct {
	File      string
	Line, Col int
	Msg, Hint string
	// Warning marks a problem that does not stop the DAG from loading or
	// running (see DAG.Warnings); it is printed as "warning: msg".
	Warning bool
}

// Error formats as "file:line:col: msg", the shape editors and terminals
// turn into links, with the hint on its own indented line.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
		if e.Col > 0 {
			b.WriteString(":" + strconv.Itoa(e.Col))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Warning {
		b.WriteString("warning: ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString("\n    hint: " + e.Hint)
	}
	return b.String()
}

// Errors is every problem found in one DAG, in file order, so a user fixes
// them in one pass instead of one per run; past maxErrors, the last entry
// says how many more there are.
type Errors []*Error

// maxErrors is how many problems of one file are reported, as compilers
// stop at some: a generated file with 10,000 broken lines would otherwise
// print megabytes, where the first hundred show what is wrong.
const maxErrors = 100

// Error joins the errors one per line (hints indented under their error).
func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap lets errors.As find the individual *Error values.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// sorted orders by position; stable, so errors found at the same spot keep
// the order the checks ran in.
func (es Errors) sorted() Errors {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return es
}

// capped keeps the first maxErrors and says how many were left out.
func (es Errors) capped() Errors {
	if len(es) <= maxErrors {
		return es
	}
	first := es[0]
	more := &Error{
		File: first.File, Warning: first.Warning,
		Msg:  fmt.Sprintf("and %d more problems", len(es)-maxErrors),
		Hint: "fix the ones above first; the rest show once fewer remain",
	}
	return append(es[:maxErrors:maxErrors], more)
}

// errorList collects errors while a parse or validation walks the DAG.
type errorList struct {
	file    string
	warning bool         // the list holds warnings
	skip    map[Pos]bool // positions to say nothing more about (see parser.bad)
	errs    Errors
}

// add records a problem at p. The hint is the "how to fix" part and may be
// empty when the message already says it. Values from the file go in
// through excerpt; the cut here only backs that up, so no message can
// grow with its input.
func (l *errorList) add(p Pos, hint, format string, args ...any) {
	if l.skip[p] && p != (Pos{}) {
		return
	}
	l.errs = append(l.errs, &Error{
		File: l.file, Line: p.Line, Col: p.Col,
		Msg: cut(fmt.Sprintf(format, args...), maxMessage), Hint: cut(hint, maxMessage), Warning: l.warning,
	})
}

// err returns the sorted errors, or a nil error (never a typed nil) when
// there are none.
func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	return l.errs.sorted().capped()
}
