package cli

import (
	"strings"
	"testing"
)

func TestCleanStripsControlsAndEscapeSequences(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"text, newline and tab stay", "a\tb\nc — ü ✓", "a\tb\nc — ü ✓"},
		{"window title (OSC, BEL)", "x\x1b]0;TITLE\x07y", "xy"},
		{"OSC ended by ST", "x\x1b]52;c;aGk=\x1b\\y", "xy"},
		{"clipboard write (OSC 52) cut by a newline", "x\x1b]52;c;aGk=\nnext", "x\nnext"},
		{"colours and cursor (CSI)", "\x1b[31mred\x1b[0m \x1b[2J\x1b[1;1Hhome", "red home"},
		{"private CSI", "\x1b[?1049hx", "x"},
		{"charset (ESC intermediate final)", "\x1b(Bx", "x"},
		{"two-character ESC", "\x1bcx\x1b7y", "xy"},
		{"DCS", "\x1bPq#0;2;0;0;0\x1b\\x", "x"},
		{"C0 controls", "a\rb\bc\x00d\x07e\x7ff", "abcdef"},
		{"C1 controls as UTF-8", "a\u009b31mb\u0085c\u009d0;T\u009cd", "abcd"},
		{"C1 controls as raw bytes", "a\x9b31mb\x85c", "abc"},
		{"other invalid bytes stay", "a\xffb", "a\xffb"},
		{"ESC before a control", "a\x1b\nb", "a\nb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Clean(tc.in); got != tc.want {
				t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// A sequence or a character split across writes is still recognised.
func TestCleanWriterAcrossWrites(t *testing.T) {
	in := "é\x1b]0;TITLE\x07ok\x1b[31m✓\n"
	for cut := range len(in) {
		var b strings.Builder
		c := newCleanWriter(&b)
		c.Write([]byte(in[:cut]))
		c.Write([]byte(in[cut:]))
		c.Flush()
		if b.String() != "éok✓\n" {
			t.Fatalf("cut at %d: %q", cut, b.String())
		}
	}
}
