package tasklog

import (
	"bytes"
	"strings"
	"time"
)

// A log file holds one line per line of output, stamped as it was written:
//
//	2026-12-04T17:57:23.123Z out Downloading data.csv
//	2026-12-04T17:57:24.508Z err curl: (6) Could not resolve host
//
// The time is UTC to the millisecond and fixed in width, so a file reads
// well with cat and less and sorts by time with sort. Logs written before
// lines were stamped have none of this; their lines read as output with no
// time.

// Stream says which of a try's outputs a line came from.
type Stream uint8

const (
	Stdout Stream = iota
	Stderr
)

// tag is how the stream is written in the file.
func (s Stream) tag() string {
	if s == Stderr {
		return "err"
	}
	return "out"
}

// String names the stream for people and markup: "stdout" or "stderr".
func (s Stream) String() string {
	if s == Stderr {
		return "stderr"
	}
	return "stdout"
}

// stampLayout is the time at the start of a line; stampLen its length,
// and prefixLen that of the whole prefix, stream and spaces included.
const (
	stampLayout = "2006-01-02T15:04:05.000Z"
	stampLen    = len(stampLayout)
	prefixLen   = stampLen + len(" out ")
)

// Line is one line of a try's log.
type Line struct {
	N      int       // its number in the log, from 1
	At     time.Time // when it was written; zero in a log from before stamps
	Stream Stream
	Text   string // without the newline, as the task wrote it (masked)
}

// appendLine appends the file form of a line of text to b.
func appendLine(b []byte, at time.Time, s Stream, text []byte) []byte {
	b = at.UTC().AppendFormat(b, stampLayout)
	b = append(b, ' ')
	b = append(b, s.tag()...)
	b = append(b, ' ')
	b = append(b, text...)
	return append(b, '\n')
}

// parseLine reads one line of a log file, its newline removed. A line
// without a stamp is stdout with no time: a log from before stamps.
func parseLine(b []byte) (at time.Time, s Stream, text []byte) {
	if len(b) < prefixLen || b[stampLen] != ' ' || b[prefixLen-1] != ' ' {
		return time.Time{}, Stdout, b
	}
	switch string(b[stampLen+1 : prefixLen-1]) {
	case "out":
		s = Stdout
	case "err":
		s = Stderr
	default:
		return time.Time{}, Stdout, b
	}
	at, ok := parseStamp(b[:stampLen])
	if !ok {
		return time.Time{}, Stdout, b
	}
	return at, s, b[prefixLen:]
}

// parseStamp reads a stampLayout time. It is hand-written because it runs
// for every line of every log a page shows, where time.Parse would cost a
// tenth of the page.
func parseStamp(b []byte) (time.Time, bool) {
	// 2006-01-02T15:04:05.000Z
	// 0123456789012345678901234
	if b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != '.' || b[23] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	var f [7]int
	spans := [7][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}, {20, 23}}
	for i, sp := range spans {
		n, ok := num(sp[0], sp[1])
		if !ok {
			return time.Time{}, false
		}
		f[i] = n
	}
	if f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60 {
		return time.Time{}, false
	}
	return time.Date(f[0], time.Month(f[1]), f[2], f[3], f[4], f[5], f[6]*int(time.Millisecond), time.UTC), true
}

// ParseLines splits log file data into lines numbered from first. A last
// line without its newline is a line too.
func ParseLines(data []byte, first int) []Line {
	out := make([]Line, 0, bytes.Count(data, []byte{'\n'})+1)
	// One string for all the texts: a line's text is a slice of it, which
	// saves an allocation a line.
	all := string(data)
	n, off := first, 0
	for off < len(all) {
		end := len(all)
		if i := strings.IndexByte(all[off:], '\n'); i >= 0 {
			end = off + i
		}
		at, s, text := parseLine(data[off:end])
		start := off + (len(data[off:end]) - len(text))
		out = append(out, Line{N: n, At: at, Stream: s, Text: all[start:end]})
		n++
		off = end + 1
	}
	return out
}
