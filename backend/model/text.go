package model

import (
	"strconv"
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
