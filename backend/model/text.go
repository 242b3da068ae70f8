package model

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxQuoted bounds how much of a user's input a message repeats: enough
// to recognise a name, never enough for a hostile 100 KB id to swamp the
// message that refuses it.
const MaxQuoted = 64

// Quote quotes s for a message: escaped, so that it cannot drive the
// terminal that prints it, and cut to MaxQuoted bytes when longer.
func Quote(s string) string {
	if len(s) <= MaxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(cutBytes(s, MaxQuoted)) + "…"
}

// Cut shortens s to at most n bytes, never inside a character, and marks
// the cut with "…".
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return cutBytes(s, n) + "…"
}

func cutBytes(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// StderrMark ends the first line of a try's error that quotes the end of
// its stderr on the lines after: "exit status 1; stderr:\n<lines>".
const StderrMark = "; stderr:"

// ErrorSummary puts an error on one line of at most about n bytes: its
// first line and, for an error that quotes stderr (StderrMark), the last
// line of stderr, which is nearly always the reason: "exit status 1;
// stderr: psql: connection refused".
func ErrorSummary(s string, n int) string {
	first, rest, more := strings.Cut(strings.TrimSpace(s), "\n")
	if more && strings.HasSuffix(first, StderrMark) {
		first += " " + rest[strings.LastIndexByte(rest, '\n')+1:]
	}
	return Cut(first, n)
}
