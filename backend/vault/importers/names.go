package importers

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// safeName makes a profile or cloud name into a connection name:
// lower case letters, digits and single dashes. "KVM@TACC" → "kvm-tacc".
func safeName(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(name) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// uniqueNames gives every connection a safe name unique in the Result,
// numbering repeats in file order (default, default-2) so that the same
// files give the same names on every import.
func (r *Result) uniqueNames() {
	seen := map[string]bool{}
	for i := range r.Connections {
		c := &r.Connections[i]
		base := safeName(c.Name)
		if base == "" {
			base = string(c.Kind)
		}
		name := base
		for n := 2; seen[name]; n++ {
			name = base + "-" + strconv.Itoa(n)
		}
		seen[name] = true
		c.Name = name
	}
}

// placeholder reports whether a value is one of the stand-ins sample files
// ship with (TBD, xxxx-xxxx GUIDs, <Project Name>, None) rather than a
// real value.
func placeholder(v string) bool {
	v = strings.TrimSpace(v)
	switch {
	case v == "", strings.EqualFold(v, "none"), strings.EqualFold(v, "null"), v == "~":
		return true
	case strings.HasPrefix(strings.ToUpper(v), "TBD"):
		return true
	case strings.Contains(v, "<") && strings.Contains(v, ">"):
		return true
	case strings.Trim(strings.ToLower(v), "x-") == "" && strings.Contains(strings.ToLower(v), "xxx"):
		return true
	}
	return false
}

// shortPath writes a path under the home directory as ~/…, for Source.
func shortPath(path string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return path
	}
	if rel, err := filepath.Rel(home, path); err == nil && filepath.IsAbs(path) && !strings.HasPrefix(rel, "..") {
		return "~/" + filepath.ToSlash(rel)
	}
	return path
}

// newConn starts a connection with empty maps, so callers can set keys.
func newConn(kind model.CloudKind, name, source string) model.Connection {
	return model.Connection{
		Name:     name,
		Kind:     kind,
		Settings: map[string]string{},
		Secrets:  map[string]string{},
		Defaults: map[string]string{},
		Active:   true,
		Source:   source,
	}
}

// setIf sets m[k] to v unless v is empty or a placeholder.
func setIf(m map[string]string, k, v string) {
	v = strings.TrimSpace(v)
	if !placeholder(v) {
		m[k] = v
	}
}
