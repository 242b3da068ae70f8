package components

import (
	"path/filepath"
	"testing"
)

// Paths under the home directory read as ~/…, others as they are.
func TestPathShortensTheHomeDirectory(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for in, want := range map[string]string{
		filepath.Join(home, ".local", "share", "meshflow"): filepath.Join("~", ".local", "share", "meshflow"),
		home:                        "~",
		home + "x/meshflow":         home + "x/meshflow", // a sibling that shares the prefix
		"/srv/meshflow/meshflow.db": "/srv/meshflow/meshflow.db",
	} {
		if got := Path(in); got != want {
			t.Errorf("Path(%q) = %q, want %q", in, got, want)
		}
	}
}
