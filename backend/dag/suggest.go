package dag

import (
	"fmt"
	"strings"
)

// maxSuggestDistance is how many edits a typo may be from a known name and
// still be suggested; beyond two, suggestions are more noise than help.
const maxSuggestDistance = 2

// maxSuggestLength is the longest input a suggestion is looked for: names
// and ids are at most 64 characters, and fields are shorter.
const maxSuggestLength = 64 + maxSuggestDistance

// maxListed caps "known ...: a, b, c" hints so a DAG with thousands of tasks
// does not print them all.
const maxListed = 12

// closest returns the candidate nearest to s (case-insensitive), or "" when
// none is within maxSuggestDistance edits. Very short inputs need a closer
// match, or "x" would suggest every two-letter name.
func closest(s string, candidates []string) string {
	return closestWithin(s, candidates, nil)
}

// closestWithin is closest spending at most *budget cells of distance
// tables (nil: no limit), and nothing once the budget is gone.
func closestWithin(s string, candidates []string, budget *int) string {
	if len(s) > maxSuggestLength {
		return "" // no name is that long, and the distance costs len(s)²
	}
	limit := min(maxSuggestDistance, max(1, len(s)/2))
	best, bestDist := "", limit+1
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if c == s || abs(len(c)-len(s)) > limit {
			continue
		}
		if budget != nil {
			if *budget -= len(s) * len(c); *budget < 0 {
				return best
			}
		}
		if d := distance(ls, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// suggestBudget is how many cells of distance tables one validation may
// fill looking for suggestions among the file's own names (task ids,
// params): some milliseconds. Without it, 4,000 unknown needs among 4,000
// tasks took 40 s; past it, hints just list the names.
const suggestBudget = 4_000_000

// meantWithin and meantOrWithin are meant and meantOr on a budget, for
// candidates that grow with the file.
func meantWithin(s string, candidates []string, budget *int) string {
	if c := closestWithin(s, candidates, budget); c != "" {
		return fmt.Sprintf("did you mean %s?", excerpt(c))
	}
	return ""
}

func meantOrWithin(s string, candidates []string, label string, budget *int) string {
	if m := meantWithin(s, candidates, budget); m != "" {
		return m
	}
	return listing(label, candidates)
}

// distance is the optimal-string-alignment distance: Levenshtein plus
// transposition of adjacent characters, the commonest typo ("nedes").
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// meant returns `did you mean "x"?` for a near miss, else "".
func meant(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" {
		return fmt.Sprintf("did you mean %s?", excerpt(c))
	}
	return ""
}

// listing formats "label: a, b, c", truncated after maxListed names.
func listing(label string, names []string) string {
	if len(names) == 0 {
		return ""
	}
	shown := make([]string, min(len(names), maxListed))
	for i := range shown {
		shown[i] = cut(names[i], maxShownLength)
	}
	s := label + ": " + strings.Join(shown, ", ")
	if rest := len(names) - len(shown); rest > 0 {
		s += fmt.Sprintf(" (and %d more)", rest)
	}
	return s
}

// meantOr prefers a suggestion and falls back to the list, for errors where
// both would be noise (unknown field: the suggestion says it all).
func meantOr(s string, candidates []string, label string) string {
	if m := meant(s, candidates); m != "" {
		return m
	}
	return listing(label, candidates)
}

// meantAnd gives the suggestion and the list, for errors where the list is
// useful on its own (unknown op: "which ones are there?").
func meantAnd(s string, candidates []string, label string) string {
	return joinHints(meant(s, candidates), listing(label, candidates))
}

// joinHints joins the non-empty parts into one hint: after a question
// ("did you mean ...?") with a space, otherwise with "; ".
func joinHints(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		switch {
		case p == "":
			continue
		case b.Len() == 0:
		case strings.HasSuffix(b.String(), "?"):
			b.WriteString(" ")
		default:
			b.WriteString("; ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// stringsOf converts a list of named string types for hints.
func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
