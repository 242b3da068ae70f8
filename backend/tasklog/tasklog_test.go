package tasklog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretsAreMaskedEvenWhenSplitAcrossWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d", "1", "a.1.log")
	key := "-----BEGIN KEY-----\nAAAASECRETLINE\n-----END KEY-----"
	w := NewLog(path, NewMasker([]string{key, "tok-123"}))
	for _, chunk := range []string{"key: -----BEGIN KEY-----\nAAAASECR", "ETLINE\n-----END KEY-----\n", "url?token=tok-", "123 done\n", "tail without newline"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := logText(t, path)
	want := "key: " + Mask + "\nurl?token=" + Mask + " done\ntail without newline\n"
	if got != want {
		t.Fatalf("log = %q, want %q", got, want)
	}
	for _, leak := range []string{"SECRET", "tok-123", "BEGIN KEY"} {
		if strings.Contains(got, leak) {
			t.Errorf("log leaks %q", leak)
		}
	}
}

func TestNothingWrittenLeavesNoFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.1.log")
	if err := NewLog(path, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a try that printed nothing left a file: %v", err)
	}
}

// logText is the text of the log at path as the task wrote it, its lines'
// times and streams left out.
func logText(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, l := range ParseLines(data, 1) {
		b.WriteString(l.Text + "\n")
	}
	return b.String()
}
