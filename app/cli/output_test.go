package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// escDAG has an escape sequence in its description, as a DAG file from
// someone else may, and a task that prints colours and a window title.
const escDAG = `name: esc
description: "tidy \e]0;PWNED\a\e[2Jreport"
tasks:
  - id: paint
    op: shell
    with: {command: "printf '\\033[31mred\\033[0m \\033]0;TITLE\\007done\\n'"}
`

func hasControls(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0)
	})
}

func TestOutputCarriesNoEscapeSequences(t *testing.T) {
	dir := t.TempDir()
	if _, err := runIn(t.Context(), dir, "dag", "list"); err != nil { // seeds the data dir
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dags", "esc.yaml"), []byte(escDAG), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runIn(t.Context(), dir, "dag", "show", "esc")
	if err != nil {
		t.Fatalf("show: %v\n%s", err, out)
	}
	if hasControls(out) || !strings.Contains(out, "esc — tidy report") {
		t.Errorf("dag show printed %q", out)
	}
	if out, err = runIn(t.Context(), dir, "dag", "test", "esc"); err != nil {
		t.Fatalf("test: %v\n%s", err, out)
	}
	if hasControls(out) || !strings.Contains(out, "[paint.1] red done") {
		t.Errorf("dag test printed %q", out)
	}
	logs, err := runIn(t.Context(), dir, "dag", "logs", "1")
	if err != nil || hasControls(logs) || !strings.Contains(logs, "red done") {
		t.Errorf("dag logs = %q, %v", logs, err)
	}
	raw, err := runIn(t.Context(), dir, "dag", "logs", "1", "--raw")
	if err != nil || !strings.Contains(raw, "\x1b[31mred\x1b[0m \x1b]0;TITLE\x07done\n") {
		t.Errorf("dag logs --raw = %q, %v", raw, err)
	}
}

// Errors quote DAG files too; they are cleaned where they are printed.
func TestPrintErrorIsCleaned(t *testing.T) {
	var b strings.Builder
	PrintError(&b, os.ErrNotExist)
	PrintError(&b, &os.PathError{Op: "open", Path: "\x1b]0;T\x07x.yaml", Err: os.ErrNotExist})
	if got := b.String(); got != "meshflow: file does not exist\nmeshflow: open x.yaml: file does not exist\n" {
		t.Errorf("printed %q", got)
	}
}
