package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
)

// Text that reaches the terminal comes from DAG files, users and task
// output, and a terminal acts on control characters: an escape sequence in
// a DAG's description can retitle the window, rewrite what is on screen,
// or, on some terminals, write to the clipboard. Every command's output
// therefore passes a cleanWriter, which keeps text, newlines and tabs and
// drops every other C0 control, DEL, C1 controls and whole escape
// sequences (CSI, OSC, DCS, SOS, PM, APC and two-character ones).

// escape-sequence states of a cleanWriter
const (
	inText  = iota
	inEsc   // after ESC
	inInter // after ESC and intermediate bytes, e.g. ESC ( before B
	inCSI   // control sequence: parameters until a final byte
	inStr   // OSC, DCS, SOS, PM, APC: a string until BEL or ST
	inStrEsc
)

// cleanWriter strips control characters from what passes through it. A
// sequence split across writes is still recognised; Flush writes out an
// incomplete UTF-8 sequence left at the end.
type cleanWriter struct {
	mu      sync.Mutex
	w       io.Writer
	state   int
	pending []byte // the start of a UTF-8 sequence the last write cut
	out     []byte
}

func newCleanWriter(w io.Writer) *cleanWriter { return &cleanWriter{w: w} }

// Write cleans p and writes the rest; it reports len(p) when the
// underlying write succeeds, since the dropped bytes were handled too.
func (c *cleanWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out = c.out[:0]
	data := p
	if len(c.pending) > 0 {
		data = append(c.pending, p...)
		c.pending = nil
	}
	for len(data) > 0 {
		if !utf8.FullRune(data) {
			c.pending = append([]byte(nil), data...)
			break
		}
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size == 1 {
			// A stray byte: 0x80–0x9F are C1 controls to 8-bit terminals.
			r = rune(data[0])
			if r >= 0xa0 {
				r = utf8.RuneError
			}
		}
		c.step(r, data[:size])
		data = data[size:]
	}
	if len(c.out) > 0 {
		if _, err := c.w.Write(c.out); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Flush writes out an incomplete UTF-8 sequence held back by Write.
func (c *cleanWriter) Flush() error {
	c.mu.Lock()
	rest := c.pending
	c.pending = nil
	c.mu.Unlock()
	for len(rest) > 0 {
		// Each byte alone is invalid: Write keeps it, or drops a C1 byte.
		if _, err := c.Write(rest[:1]); err != nil {
			return err
		}
		rest = rest[1:]
	}
	return nil
}

// step feeds one character (raw are its bytes as written) through the
// escape-sequence state machine.
func (c *cleanWriter) step(r rune, raw []byte) {
	switch c.state {
	case inText:
		c.text(r, raw)
	case inEsc:
		switch {
		case r == '[':
			c.state = inCSI
		case r == ']' || r == 'P' || r == 'X' || r == '^' || r == '_':
			c.state = inStr
		case r >= 0x20 && r <= 0x2f:
			c.state = inInter
		case r >= 0x30 && r <= 0x7e:
			c.state = inText
		default: // not a sequence after all: drop the ESC alone
			c.state = inText
			c.text(r, raw)
		}
	case inInter: // intermediates, then one final byte
		c.sequence(r, raw, 0x2f, 0x7e)
	case inCSI: // parameters and intermediates, then one final byte
		c.sequence(r, raw, 0x3f, 0x7e)
	case inStr, inStrEsc:
		c.str(r, raw)
	}
}

// sequence skips the bytes 0x20..mid of a sequence and ends it at a final
// byte up to last. Anything else aborts it, as terminals do, and is
// handled as text.
func (c *cleanWriter) sequence(r rune, raw []byte, mid, last rune) {
	switch {
	case r >= 0x20 && r <= mid:
	case r > mid && r <= last:
		c.state = inText
	default:
		c.state = inText
		c.text(r, raw)
	}
}

func (c *cleanWriter) text(r rune, raw []byte) {
	switch {
	case r == '\n' || r == '\t':
		c.out = append(c.out, raw...)
	case r == 0x1b:
		c.state = inEsc
	case r == 0x9b:
		c.state = inCSI
	case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f:
		c.state = inStr
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
	default:
		c.out = append(c.out, raw...)
	}
}

// str skips the body of a string sequence. A newline ends it too, unlike
// on a terminal: an unterminated OSC in a task's output must not swallow
// the rest of the log.
func (c *cleanWriter) str(r rune, raw []byte) {
	if c.state == inStrEsc {
		c.state = inStr
		if r == '\\' {
			c.state = inText
			return
		}
		c.state = inEsc
		c.step(r, raw)
		return
	}
	switch r {
	case 0x07, 0x9c:
		c.state = inText
	case 0x1b:
		c.state = inStrEsc
	case '\n':
		c.state = inText
		c.out = append(c.out, raw...)
	}
}

// Clean returns s without control characters and escape sequences, as a
// cleanWriter would write it.
func Clean(s string) string {
	var b strings.Builder
	c := newCleanWriter(&b)
	_, _ = c.Write([]byte(s))
	_ = c.Flush()
	return b.String()
}

// PrintError prints a command's error the way meshflow reports it, cleaned
// like all other output: errors quote DAG files and user input.
func PrintError(w io.Writer, err error) {
	fmt.Fprintln(w, "meshflow:", Clean(err.Error()))
}
