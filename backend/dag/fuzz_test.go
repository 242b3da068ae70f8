package dag

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// maxLoadTime is how long one file may take to parse and validate. The
// folder watcher loads every file in dags/, so a file that stalls the
// loader stalls every DAG; real files take well under a millisecond.
const maxLoadTime = time.Second

// maxErrorLine bounds one line of an error, whatever the input: messages
// quote an excerpt, never the input itself.
const maxErrorLine = 5000

// FuzzParse feeds arbitrary bytes through everything a DAG file goes
// through on load: Parse, Validate, Marshal and NewPlan. None may panic,
// take longer than maxLoadTime or echo its input at length, whatever the
// input. Seeds are the examples and the invalid fixtures, all small, so
// the fuzzer's minimization of new inputs stays cheap.
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
		if d, err := Parse("fuzz.yaml", data); err == nil {
			if _, err := d.Marshal(); err != nil {
				t.Fatalf("Marshal of a parsed DAG failed: %v", err)
			}
		}
		start := time.Now()
		d, err := Load("fuzz.yaml", data, ops)
		if took := time.Since(start); took > maxLoadTime {
			t.Fatalf("Load took %v for %d bytes; a DAG file must never stall the loader", took, len(data))
		}
		if err != nil {
			checkLoadError(t, err)
			return
		}
		for _, w := range d.Warnings {
			checkLoadError(t, w)
		}
		if _, err := NewPlan(d); err != nil {
			t.Fatalf("a valid DAG does not plan: %v", err)
		}
	})
}

func checkLoadError(t *testing.T, err error) {
	t.Helper()
	var errs Errors
	var one *Error
	if !errors.As(err, &errs) && !errors.As(err, &one) {
		t.Fatalf("Load returned %T, want Errors: %v", err, err)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if len(line) > maxErrorLine {
			t.Fatalf("a %d-byte error line: %.200s…", len(line), line)
		}
	}
}
