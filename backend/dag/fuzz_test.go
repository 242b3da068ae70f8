package dag

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes through everything a DAG file goes
// through on load: Parse, Validate, Marshal and NewPlan. None may panic or
// hang, whatever the input. Seeds are the examples and the invalid fixtures.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/examples/*.yaml", "testdata/dag/*.yaml", "testdata/dag/invalid/*.yaml"} {
		files, err := filepath.Glob(filepath.Join(repoRoot, pattern))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	ops := newTestCatalog()
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("fuzz.yaml", data)
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse returned %T, want Errors: %v", err, err)
			}
			return
		}
		if _, err := d.Marshal(); err != nil {
			t.Fatalf("Marshal of a parsed DAG failed: %v", err)
		}
		if err := Validate(d, ops); err != nil {
			return
		}
		if _, err := NewPlan(d); err != nil {
			t.Fatalf("a valid DAG does not plan: %v", err)
		}
	})
}
