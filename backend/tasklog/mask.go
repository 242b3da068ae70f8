package tasklog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Mask replaces every secret value in log text, errors and outputs.
const Mask = "********"

// Masker hides secret values in everything that leaves a try: log lines,
// errors and outputs. It knows each secret also in the forms our own
// messages and the template functions give it — percent-encoded in a URL,
// quoted by %q, escaped in JSON (\uXXXX too), HTML or JavaScript, in a
// host name lower-cased or punycode-encoded — and masks the union
// of every match, so a short secret inside a longer one, or two secrets
// that overlap, leave no part of either in the clear.
//
// A nil *Masker masks nothing; it is what a run without secrets gets.
type Masker struct {
	values []string // the secrets as given, without duplicates
	forms  [][]byte // every form of every secret, longest first
}

// NewMasker returns a masker for secrets; empty strings are ignored. It
// returns nil when there is nothing to mask.
func NewMasker(secrets []string) *Masker {
	m := &Masker{}
	seen := map[string]bool{}
	for _, s := range secrets {
		if s == "" || slices.Contains(m.values, s) {
			continue
		}
		m.values = append(m.values, s)
		for _, f := range forms(s) {
			if f != "" && !seen[f] {
				seen[f] = true
				m.forms = append(m.forms, []byte(f))
			}
		}
	}
	if len(m.values) == 0 {
		return nil
	}
	slices.SortStableFunc(m.forms, func(a, b []byte) int { return len(b) - len(a) })
	return m
}

// forms are the ways a secret appears in text meshflow or a task's
// template writes: as is; in a URL (Go's request lines and client errors
// percent-encode it, and `urlquery` does too); in a Go %q or %+q quote,
// which our errors use; in JSON, as outputs are stored or as a task's
// encoder may escape it; through the `html` and `js` template functions;
// and as the http op's errors show a host.
func forms(s string) []string {
	quoted, ascii := strconv.Quote(s), strconv.QuoteToASCII(s)
	out := []string{
		s,
		url.QueryEscape(s), url.PathEscape(s),
		(&url.URL{Path: s}).EscapedPath(), (&url.URL{Fragment: s}).EscapedFragment(), url.User(s).String(),
		quoted[1 : len(quoted)-1], ascii[1 : len(ascii)-1],
		template.HTMLEscapeString(s), template.JSEscapeString(s),
	}
	for _, escapeHTML := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		if enc.Encode(s) == nil {
			j := strings.TrimSuffix(b.String(), "\n")
			j = j[1 : len(j)-1]
			out = append(out, j, jsonASCII(j, "\\u%04x"), jsonASCII(j, "\\u%04X"))
		}
	}
	// In a host name: lower-cased, as URL hosts are in errors, and
	// punycode-encoded, as an IDNA host goes on the wire.
	out = append(out, strings.ToLower(s))
	for _, p := range []*idna.Profile{idna.Punycode, idna.Lookup} {
		if a, err := p.ToASCII(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// jsonASCII is JSON text j with every non-ASCII character escaped as
// \uXXXX (hex digits per format), characters beyond the BMP as a
// surrogate pair: what JSON encoders that keep output ASCII (Python's
// default, Jackson's) write.
func jsonASCII(j, format string) string {
	var b strings.Builder
	for _, r := range j {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&b, format+format, hi, lo)
		default:
			fmt.Fprintf(&b, format, r)
		}
	}
	return b.String()
}

// Values returns the secrets the masker hides.
func (m *Masker) Values() []string {
	if m == nil {
		return nil
	}
	return slices.Clone(m.values)
}

// longest is the length of the longest form: the most a Writer must hold
// back to see a secret that arrives split across writes.
func (m *Masker) longest() int {
	if m == nil {
		return 0
	}
	return len(m.forms[0])
}

// clearPrefix is how much of b may be written before more output comes:
// all of it up to the first position from which the rest is a proper
// prefix of a form, and so may still grow into a secret.
func (m *Masker) clearPrefix(b []byte) int {
	for n := range len(b) {
		for _, f := range m.forms {
			if len(b)-n < len(f) && bytes.HasPrefix(f, b[n:]) {
				return n
			}
		}
	}
	return len(b)
}

// String returns s with every secret masked.
func (m *Masker) String(s string) string {
	if m == nil || s == "" {
		return s
	}
	b := []byte(s)
	spans := m.spans(b)
	if len(spans) == 0 {
		return s
	}
	var out []byte
	pos := 0
	for _, sp := range spans {
		out = append(append(out, b[pos:sp.start]...), Mask...)
		pos = sp.end
	}
	return string(append(out, b[pos:]...))
}

// Contains reports whether s holds a secret in any of its forms.
func (m *Masker) Contains(s string) bool {
	return m != nil && len(m.spans([]byte(s))) > 0
}

// Map returns outputs with their keys and values masked; a task may write
// a secret on either side of the "=".
func (m *Masker) Map(outputs map[string]string) map[string]string {
	if m == nil || outputs == nil {
		return outputs
	}
	out := make(map[string]string, len(outputs))
	for k, v := range outputs {
		out[m.String(k)] = m.String(v)
	}
	return out
}

// span is a stretch of text to mask: [start, end).
type span struct{ start, end int }

// spans finds every occurrence of every form in b, overlapping ones too,
// and merges those that overlap or touch: masking the union, rather than
// one secret after another, is what keeps "a" from cutting a hole in a
// longer secret that contains it before the longer one is seen.
func (m *Masker) spans(b []byte) []span {
	var found []span
	for _, f := range m.forms {
		for off := 0; off+len(f) <= len(b); {
			i := bytes.Index(b[off:], f)
			if i < 0 {
				break
			}
			found = append(found, span{off + i, off + i + len(f)})
			off += i + 1
		}
	}
	if len(found) < 2 {
		return found
	}
	slices.SortFunc(found, func(a, b span) int { return a.start - b.start })
	merged := found[:1]
	for _, sp := range found[1:] {
		last := &merged[len(merged)-1]
		if sp.start <= last.end {
			last.end = max(last.end, sp.end)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}
