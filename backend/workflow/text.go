package workflow

import (
	"strconv"
	"unicode/utf8"
)

// maxQuoted bounds how much of a user's input an error message repeats.
const maxQuoted = 64

// quote quotes s for a message, cut to a short excerpt.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	return strconv.Quote(excerpt(s)[:len(excerpt(s))-len("…")]) + "…"
}

// excerpt is s, or its start marked with an ellipsis when it is long.
func excerpt(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
