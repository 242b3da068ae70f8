package components

import "strings"

// StateClass is the CSS class that colours a run or task state, e.g.
// "st-upstream_failed"; "st-none" where there is no state (no run yet).
// The colours are defined once, in app.css, for HTML and SVG alike.
func StateClass(state string) string {
	if state == "" {
		return "st-none"
	}
	return "st-" + state
}

// StateLabel is a state as people read it: "upstream failed".
func StateLabel(state string) string {
	if state == "" {
		return "no run"
	}
	return strings.ReplaceAll(state, "_", " ")
}
