package dag

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestErrorsQuoteOnlyExcerpts feeds huge values into every field that is
// quoted back in messages. Each message must stay short: a 566 KB cron
// once made a 1.1 MB error, and the UI shows these on a page.
func TestErrorsQuoteOnlyExcerpts(t *testing.T) {
	long := strings.Repeat("x", 100_000)
	tests := []struct{ name, src string }{
		{"cron", "schedule: \"" + strings.Repeat("1,", 283_000) + "1 * * * *\"\ntasks: [{id: a, op: noop}]\n"},
		{"cron fields", "schedule: \"" + long + " " + long + "\"\ntasks: [{id: a, op: noop}]\n"},
		{"descriptor", "schedule: \"@" + long + "\"\ntasks: [{id: a, op: noop}]\n"},
		{"every", "schedule: \"@every " + long + "\"\ntasks: [{id: a, op: noop}]\n"},
		{"timezone", "timezone: " + long + "\ntasks: [{id: a, op: noop}]\n"},
		{"name", "name: " + long + "\ntasks: [{id: a, op: noop}]\n"},
		{"task id", "tasks: [{id: " + long + ", op: noop}, {id: " + long + "}]\n"},
		{"op", "tasks: [{id: a, op: " + long + "}]\n"},
		{"needs", "tasks: [{id: a, op: noop, needs: [" + long + "]}, {id: " + long + "y, op: noop}]\n"},
		{"key", long + ": 1\ntasks: [{id: a, op: noop, " + long + ": 1, with: {" + long + ": 1}}]\n"},
		{"param", "params: {" + long + ": {type: " + long + "}}\ntasks: [{id: a, op: noop}]\n"},
		{"param default", "params: {p: {type: enum, values: [a], default: " + long + "}}\ntasks: [{id: a, op: noop}]\n"},
		{"var", "vars: {" + long + ": x}\ntasks: [{id: a, op: noop}]\n"},
		{"enum", "catchup: " + long + "\ntasks: [{id: a, op: noop, trigger_rule: " + long + "}]\n"},
		{"when", "tasks: [{id: a, op: noop, when: " + long + "}]\n"},
		{"arg", "tasks: [{id: a, op: http, with: {url: x, method: " + long + "}}]\n"},
		{"template field", "tasks: [{id: a, op: shell, with: {command: \"{{ .params." + long + " }} {{ ." + long + " }} {{ .tasks." + long + ".outputs.x }}\"}}]\n"},
		{"template func", "tasks: [{id: a, op: shell, with: {command: \"{{ " + long + " }}\"}}]\n"},
		{"template syntax", "tasks: [{id: a, op: shell, with: {command: \"{{ \\\"" + long + " }}\"}}]\n"},
		{"duration", "defaults: {timeout: " + long + "}\ntasks: [{id: a, op: noop}]\n"},
		{"yaml", "tasks: [{id: a, op: noop}]\nx: \"" + long + "\n  ]: ["},
		{"explicit keys", "? " + long + "\n: 1\nparams:\n  ? " + long + "\n  : {type: int}\nvars:\n  ? " + long + "\n  : x\ntasks: [{id: a, op: shell, with: {? " + long + " : 1, command: x}}]\n"},
		{"duplicate key", "? " + long + "\n: 1\n? " + long + "\n: 2\ntasks: [{id: a, op: noop}]\n"},
		{"cycle", cycleDAG(10_000)},
		{"long ids cycle", "tasks:\n  - {id: " + long + "a, op: noop, needs: [" + long + "b]}\n  - {id: " + long + "b, op: noop, needs: [" + long + "a]}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Load("e.yaml", []byte(tt.src), newTestCatalog())
			if err == nil {
				t.Fatal("loads without errors")
			}
			if took := time.Since(start); took > slowdown*2*time.Second {
				t.Errorf("took %v", took)
			}
			if testing.Verbose() {
				t.Log(cut(err.Error(), 2000))
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if len(line) > 600 {
					t.Errorf("a %d-byte line: %.300s…", len(line), line)
				}
			}
		})
	}
}

func cycleDAG(n int) string {
	var b strings.Builder
	b.WriteString("tasks:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: t%d, op: noop, needs: [t%d]}\n", i, (i+1)%n)
	}
	return b.String()
}

// TestLargeBrokenFileLoadsQuickly: finding the line of a syntax error
// decodes prefixes of the file, which for a 7 MiB file took 36 s; the
// search now has a budget and falls back to yaml.v3's own line.
func TestLargeBrokenFileLoadsQuickly(t *testing.T) {
	var b strings.Builder
	b.WriteString("tasks:\n")
	lines := 1
	for ; b.Len() < 6<<20; lines++ {
		fmt.Fprintf(&b, "  - {id: t%d, op: noop}\n", lines)
	}
	b.WriteString("  - {id: x\n")
	start := time.Now()
	_, err := Load("big.yaml", []byte(b.String()), newTestCatalog())
	if took := time.Since(start); took > slowdown*10*time.Second {
		t.Errorf("took %v", took)
	}
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(errs[0].Msg, "invalid YAML") {
		t.Fatalf("got %v", err)
	}
	if got := errs[0].Line; got < lines-1 || got > lines+1 {
		t.Errorf("line %d, want about %d", got, lines+1)
	}
}

// TestManyValuesWithoutAliases: the size limit's message must not blame
// aliases in a file that has none.
func TestManyValuesWithoutAliases(t *testing.T) {
	src := "x-many: [" + strings.Repeat("1,", maxExpanded) + "1]\ntasks: [{id: a, op: noop}]\n"
	_, err := Load("many.yaml", []byte(src), newTestCatalog())
	if err == nil || strings.Contains(err.Error(), "alias") || !strings.Contains(err.Error(), "split it into several DAGs") {
		t.Errorf("got %v", err)
	}
}

// TestManyUnknownNamesStayLinear: each unknown need is compared with every
// task id for a "did you mean"; 4,000 of them among 4,000 tasks took 40 s
// and printed 600 KB. Suggestions now have a budget per file, and a file
// reports its first maxErrors problems and how many more there are.
func TestManyUnknownNamesStayLinear(t *testing.T) {
	const n = 4000
	var b strings.Builder
	b.WriteString("params:\n")
	for i := range n {
		fmt.Fprintf(&b, "  param_with_a_long_name_%05d: {}\n", i)
	}
	b.WriteString("tasks:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - {id: task-with-a-long-name-%05d, op: shell, needs: [tesk-with-a-long-name-x%04d], with: {command: '{{ .params.param_with_a_long_neme_%05d }}'}}\n", i, i, i)
	}
	start := time.Now()
	_, err := Load("many.yaml", []byte(b.String()), newTestCatalog())
	if took := time.Since(start); took > slowdown*10*time.Second {
		t.Errorf("took %v", took)
	}
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != maxErrors+1 {
		t.Fatalf("want %d errors and a summary, got %d", maxErrors, len(errs))
	}
	if last := errs[len(errs)-1].Msg; last != fmt.Sprintf("and %d more problems", 2*n-maxErrors) {
		t.Errorf("summary = %q", last)
	}
	if !strings.Contains(errs[0].Hint, "did you mean") {
		t.Errorf("the first errors should still get suggestions: %v", errs[0])
	}
}
