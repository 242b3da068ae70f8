package components

import (
	"fmt"
	"html"
	"testing"
	"time"
)

func TestANSISegments(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     []Segment
	}{
		{"plain", "hello", []Segment{{"hello", ""}}},
		{"colour then reset", "\x1b[31mred\x1b[0m plain", []Segment{{"red", "a-f1"}, {" plain", ""}}},
		{"bold bright fg and bg", "\x1b[1;92;44mok", []Segment{{"ok", "a-f10 a-g4 a-b"}}},
		{"bare reset", "\x1b[32mx\x1b[my", []Segment{{"x", "a-f2"}, {"y", ""}}},
		{"attributes off one by one", "\x1b[1;3;4ma\x1b[22mb\x1b[23;24mc", []Segment{{"a", "a-b a-i a-u"}, {"b", "a-i a-u"}, {"c", ""}}},
		{"256 colours: the 16 then the cube", "\x1b[38;5;9ma\x1b[38;5;46mb\x1b[48;5;232mc", []Segment{{"a", "a-f9"}, {"b", "a-f10"}, {"c", "a-f10 a-g0"}}},
		{"true colour falls to the nearest", "\x1b[38;2;250;10;10mr", []Segment{{"r", "a-f9"}}},
		{"malformed extended colour is ignored", "\x1b[38;5mx\x1b[38;2;1;2mz", []Segment{{"xz", ""}}},
		{"carriage return starts over", "10%\r55%\r100%", []Segment{{"100%", ""}}},
		{"CRLF keeps the line", "done\r", []Segment{{"done", ""}}},
		{"cursor moves and erases dropped", "a\x1b[2K\x1b[1Gb\x1b[?25lc", []Segment{{"abc", ""}}},
		{"window title dropped", "\x1b]0;owned\x07text", []Segment{{"text", ""}}},
		{"hyperlink keeps its text only", "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\", []Segment{{"click", ""}}},
		{"charset switch dropped", "\x1b(Bx", []Segment{{"x", ""}}},
		{"unfinished escape runs to the end", "ok\x1b[31", []Segment{{"ok", ""}}},
		{"controls and C1 dropped, tabs kept", "a\x07\x08\tb\u0085\u009bc\x7f", []Segment{{"a\tbc", ""}}},
		{"markup stays text", "<b>&amp;</b>", []Segment{{"<b>&amp;</b>", ""}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := ANSISegments(tt.in)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("ANSISegments(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	for in, want := range map[string]bool{
		"hello\tworld": true, "ünïcødé €": true, "a\x1b[31m": false, "a\rb": false, "x\u0085": false, "del\x7f": false,
	} {
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLineTimes(t *testing.T) {
	at := time.Date(2026, 3, 9, 7, 5, 3, 42_900_000, time.FixedZone("X", 90*60))
	if got, want := string(appendISO(nil, at)), at.UTC().Format("2006-01-02T15:04:05.000Z"); got != want {
		t.Errorf("appendISO = %s, want %s", got, want)
	}
	if got, want := string(appendClock(nil, at)), at.Format("15:04:05.000"); got != want {
		t.Errorf("appendClock = %s, want %s", got, want)
	}
	if got := string(appendEscaped(nil, `<a href="x">'&'</a>`)); got != html.EscapeString(`<a href="x">'&'</a>`) {
		t.Errorf("appendEscaped = %s", got)
	}
}
