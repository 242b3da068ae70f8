package dag

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/dag")

// repoRoot is where testdata/ lives, relative to this package.
const repoRoot = "../.."

// testCatalog is the op set of issue 3, declared the way app will
// register the real ops.
type testCatalog map[string]OpSpec

var _ Catalog = testCatalog(nil)

func (c testCatalog) Op(name string) (OpSpec, bool) {
	s, ok := c[name]
	return s, ok
}

func (c testCatalog) Names() []string { return sortedKeys(c) }

func newTestCatalog() testCatalog {
	return testCatalog{
		"shell": {Name: "shell", AnyOutputs: true, Args: []ArgSpec{
			{Name: "command", Type: ArgString, Required: true, Description: "the shell command to run", Shell: true},
			{Name: "script", Type: ArgString, Shell: true},
			{Name: "env", Type: ArgMap},
			{Name: "dir", Type: ArgString},
		}},
		"http": {Name: "http", AnyOutputs: true, Args: []ArgSpec{
			{Name: "method", Type: ArgString, Enum: []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"}},
			{Name: "url", Type: ArgString, Required: true},
			{Name: "headers", Type: ArgMap},
			{Name: "body", Type: ArgAny},
			{Name: "expect_status", Type: ArgInt},
			{Name: "outputs", Type: ArgMap},
		}},
		"trigger_dag": {Name: "trigger_dag", InProcess: true, Outputs: []string{"run_id", "state"}, Args: []ArgSpec{
			{Name: "dag", Type: ArgString, Required: true},
			{Name: "params", Type: ArgMap},
			{Name: "wait", Type: ArgBool},
		}},
		"wait": {Name: "wait", InProcess: true, Args: []ArgSpec{
			{Name: "duration", Type: ArgDuration},
			{Name: "until", Type: ArgString},
		}},
		"noop": {Name: "noop"},
	}
}

// TestInvalidGolden loads every testdata/dag/invalid/*.yaml and compares
// the complete error output with the .golden file beside it.
func TestInvalidGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, "testdata/dag/invalid/*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no invalid fixtures found: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(repoRoot, file)
			_, err = Load(filepath.ToSlash(rel), data, newTestCatalog())
			if err == nil {
				t.Fatal("file loads without errors; an invalid fixture must fail")
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, want Errors: %v", err, err)
			}
			compareGolden(t, strings.TrimSuffix(file, ".yaml")+".golden", err.Error()+"\n")
		})
	}
}

func compareGolden(t *testing.T, golden, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./backend/dag -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("errors differ from %s (rerun with -update if the change is intended)\n--- got:\n%s--- want:\n%s", golden, got, want)
	}
}

func TestCronProblem(t *testing.T) {
	tests := []struct {
		spec      string
		wantMsg   string // substring; "" means valid
		wantField string
	}{
		{spec: "*/5 * * * *"},
		{spec: "0 30 6 * * MON-FRI"},
		{spec: "@daily"},
		{spec: "@every 90s"},
		{spec: "61 * * * *", wantMsg: `minute field "61"`, wantField: "0-59"},
		{spec: "0 24 * * *", wantMsg: `hour field "24"`, wantField: "0-23"},
		{spec: "0 0 32 * *", wantMsg: `day of month field "32"`, wantField: "1-31"},
		{spec: "0 0 * 13 *", wantMsg: `month field "13"`, wantField: "JAN-DEC"},
		{spec: "0 0 * * FUNDAY", wantMsg: `day of week field "FUNDAY"`, wantField: "SUN-SAT"},
		{spec: "75 0 0 * * *", wantMsg: `seconds field "75"`, wantField: "0-59"},
		{spec: "* * *", wantMsg: "it has 3 fields"},
		{spec: "@dayly", wantMsg: "unknown descriptor @dayly", wantField: `did you mean "@daily"?`},
		{spec: "@every soon", wantMsg: `invalid schedule "@every soon"`, wantField: "Go duration"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			msg, hint := cronProblem(tt.spec)
			if tt.wantMsg == "" {
				if msg != "" {
					t.Fatalf("valid schedule reported: %s", msg)
				}
				return
			}
			if !strings.Contains(msg, tt.wantMsg) || !strings.Contains(hint, tt.wantField) {
				t.Errorf("got %q / hint %q; want message containing %q and hint containing %q", msg, hint, tt.wantMsg, tt.wantField)
			}
		})
	}
}

// TestValidateBuiltInCode checks a DAG made in code (no file, no
// positions), as the canvas will make them: errors still come out, with
// no position.
func TestValidateBuiltInCode(t *testing.T) {
	neg := -time.Second
	d := &DAG{Name: "built", Tasks: []Task{
		{ID: "a", Op: "noop", Timeout: &neg},
		{ID: "b", Op: "noop", Needs: []string{"a", "a"}},
	}}
	err := Validate(d, newTestCatalog())
	if err == nil || err.Error() != `task "a": timeout must not be negative, found -1s`+"\n    hint: use 0 or more" {
		t.Fatalf("got %v", err)
	}
	p, err := NewPlan(d)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.UpstreamIdx(1); !slices.Equal(got, []int{0}) {
		t.Errorf("duplicate needs not collapsed: %v", got)
	}
}

func TestValidateNilCatalogSkipsOps(t *testing.T) {
	d, err := Parse("x.yaml", []byte("tasks:\n  - id: a\n    op: whatever\n    with: {anything: 1}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(d, nil); err != nil {
		t.Fatalf("op checks ran without a catalog: %v", err)
	}
}

// TestDocsMatchCode keeps docs/dag-format.md honest: its first example
// must load, and its sample errors must be what the goldens hold.
func TestDocsMatchCode(t *testing.T) {
	doc := string(readFixture(t, "docs/dag-format.md"))
	_, rest, _ := strings.Cut(doc, "```yaml\n")
	example, _, _ := strings.Cut(rest, "```")
	if d, err := Load("docs-example.yaml", []byte(example), newTestCatalog()); err != nil {
		t.Errorf("the first example in the docs does not load:\n%v", err)
	} else if len(d.Warnings) > 0 {
		t.Errorf("the first example in the docs has warnings:\n%v", d.Warnings)
	}
	_, rest, _ = strings.Cut(doc, "A selection, from the golden files:\n\n```\n")
	samples, _, _ := strings.Cut(rest, "```")
	if strings.Count(samples, "\n") < 10 || !strings.Contains(example, "tasks:") {
		t.Fatal("docs/dag-format.md lost its example or its sample errors")
	}
	goldens, _ := filepath.Glob(filepath.Join(repoRoot, "testdata/dag/invalid/*.golden"))
	var all strings.Builder
	for _, g := range goldens {
		all.Write(readFixture(t, strings.TrimPrefix(g, repoRoot+"/")))
	}
	lines := strings.Split(all.String(), "\n")
	for _, line := range strings.Split(strings.TrimSpace(samples), "\n") {
		if !slices.Contains(lines, line) {
			t.Errorf("docs sample not in any golden file: %s", line)
		}
	}
}
