package components

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Task output is full of terminal escapes: colours from test runners and
// package managers, progress bars that rewrite their line with a carriage
// return, window titles, hyperlinks. The log viewer keeps what they mean
// for reading — colour, bold, the final state of a rewritten line — as
// classes on spans of escaped text, and drops every other control: nothing
// a task prints reaches the page as markup, a style or a link.

// Segment is a run of text in one style; Class is empty for plain text.
type Segment struct {
	Text  string
	Class string
}

// ansiStyle is the SGR state: 0 means default for the colours.
type ansiStyle struct {
	fg, bg                 int // 1 + the palette index (0–15)
	bold, dim, ital, under bool
}

func (s ansiStyle) class() string {
	if s == (ansiStyle{}) {
		return ""
	}
	var b strings.Builder
	add := func(c string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c)
	}
	if s.fg > 0 {
		add("a-f" + strconv.Itoa(s.fg-1))
	}
	if s.bg > 0 {
		add("a-g" + strconv.Itoa(s.bg-1))
	}
	if s.bold {
		add("a-b")
	}
	if s.dim {
		add("a-d")
	}
	if s.ital {
		add("a-i")
	}
	if s.under {
		add("a-u")
	}
	return b.String()
}

// PlainText reports whether s has no control characters, so it shows as
// it is: most log lines, which then cost nothing to render.
func PlainText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\t' || c == 0x7f || c == 0xc2 && i+1 < len(s) && s[i+1] < 0xa0 {
			return false
		}
	}
	return true
}

// ANSISegments splits one line of terminal output into styled segments.
// A carriage return starts the line over, as on a terminal, so a progress
// bar shows its last state; SGR colours and attributes become classes
// (256-colour and true-colour values fall to the nearest of the 16 the
// theme defines); every other escape sequence and control character is
// dropped.
func ANSISegments(line string) []Segment {
	line = strings.TrimRight(line, "\r")
	if i := strings.LastIndexByte(line, '\r'); i >= 0 {
		line = line[i+1:]
	}
	var out []Segment
	var st ansiStyle
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			out = append(out, Segment{Text: text.String(), Class: st.class()})
			text.Reset()
		}
	}
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == 0x1b:
			seq, n := escapeAt(line[i:])
			if params, ok := strings.CutSuffix(seq, "m"); ok && strings.HasPrefix(params, "[") {
				next := applySGR(st, params[1:])
				if next != st {
					flush()
					st = next
				}
			}
			i += n
		case c < 0x20 && c != '\t' || c == 0x7f:
			i++
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(line[i:])
			if r >= 0x80 && r < 0xa0 { // C1 controls
				i += size
				continue
			}
			text.WriteString(line[i : i+size])
			i += size
		default:
			text.WriteByte(c)
			i++
		}
	}
	flush()
	return out
}

// escapeAt measures the escape sequence at the start of s (which begins
// with ESC) and returns it without the ESC, and its length. An unfinished
// sequence runs to the end of the line.
func escapeAt(s string) (seq string, n int) {
	if len(s) < 2 {
		return "", len(s)
	}
	switch s[1] {
	case '[': // CSI: parameters and intermediates, then a final byte
		for j := 2; j < len(s); j++ {
			if s[j] >= 0x40 && s[j] <= 0x7e {
				return s[1 : j+1], j + 1
			}
		}
		return "", len(s)
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: up to BEL or ST
		for j := 2; j < len(s); j++ {
			if s[j] == 0x07 {
				return "", j + 1
			}
			if s[j] == 0x1b && j+1 < len(s) && s[j+1] == '\\' {
				return "", j + 2
			}
		}
		return "", len(s)
	}
	// Two-character sequences, some with intermediate bytes: ESC ( B.
	j := 1
	for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
		j++
	}
	return "", min(j+1, len(s))
}

// applySGR applies "Select Graphic Rendition" parameters ("1;31").
func applySGR(st ansiStyle, params string) ansiStyle {
	if params == "" {
		return ansiStyle{}
	}
	ps := strings.FieldsFunc(params, func(r rune) bool { return r == ';' || r == ':' })
	num := func(i int) int {
		if i >= len(ps) {
			return -1
		}
		n, err := strconv.Atoi(ps[i])
		if err != nil {
			return -1
		}
		return n
	}
	for i := 0; i < len(ps); i++ {
		switch p := num(i); {
		case p == 0:
			st = ansiStyle{}
		case p == 1:
			st.bold = true
		case p == 2:
			st.dim = true
		case p == 3:
			st.ital = true
		case p == 4:
			st.under = true
		case p == 22:
			st.bold, st.dim = false, false
		case p == 23:
			st.ital = false
		case p == 24:
			st.under = false
		case p >= 30 && p <= 37:
			st.fg = p - 30 + 1
		case p == 39:
			st.fg = 0
		case p >= 40 && p <= 47:
			st.bg = p - 40 + 1
		case p == 49:
			st.bg = 0
		case p >= 90 && p <= 97:
			st.fg = p - 90 + 8 + 1
		case p >= 100 && p <= 107:
			st.bg = p - 100 + 8 + 1
		case p == 38 || p == 48:
			colour, used := extendedColour(num, i+1)
			i += used
			if colour >= 0 {
				if p == 38 {
					st.fg = colour + 1
				} else {
					st.bg = colour + 1
				}
			}
		}
	}
	return st
}

// extendedColour reads a 38/48 colour after its code: "5;n" (the 256-colour
// palette) or "2;r;g;b", and returns the nearest of the 16 theme colours
// (-1 if malformed) and how many parameters it used.
func extendedColour(num func(int) int, i int) (colour, used int) {
	switch num(i) {
	case 5:
		n := num(i + 1)
		switch {
		case n < 0 || n > 255:
			return -1, 2
		case n < 16:
			return n, 2
		case n >= 232: // greys
			level := (n - 232) * 255 / 23
			return nearest16(level, level, level), 2
		}
		n -= 16
		steps := [6]int{0, 95, 135, 175, 215, 255}
		return nearest16(steps[n/36], steps[n/6%6], steps[n%6]), 2
	case 2:
		r, g, b := num(i+1), num(i+2), num(i+3)
		if r < 0 || g < 0 || b < 0 || r > 255 || g > 255 || b > 255 {
			return -1, 4
		}
		return nearest16(r, g, b), 4
	}
	return -1, 1
}

// nearest16 maps a colour to the nearest of the 16 standard terminal
// colours (xterm's values), which the stylesheet defines for the theme.
func nearest16(r, g, b int) int {
	palette := [16][3]int{
		{0, 0, 0},
		{205, 0, 0},
		{0, 205, 0},
		{205, 205, 0},
		{0, 0, 238},
		{205, 0, 205},
		{0, 205, 205},
		{229, 229, 229},
		{127, 127, 127},
		{255, 0, 0},
		{0, 255, 0},
		{255, 255, 0},
		{92, 92, 255},
		{255, 0, 255},
		{0, 255, 255},
		{255, 255, 255},
	}
	best, bestD := 0, 1<<30
	for i, c := range palette {
		dr, dg, db := r-c[0], g-c[1], b-c[2]
		if d := dr*dr + dg*dg + db*db; d < bestD {
			best, bestD = i, d
		}
	}
	return best
}
