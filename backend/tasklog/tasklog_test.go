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
	w := NewWriter(path, NewMasker([]string{key, "tok-123"}))
	for _, chunk := range []string{"key: -----BEGIN KEY-----\nAAAASECR", "ETLINE\n-----END KEY-----\n", "url?token=tok-", "123 done\n", "tail without newline"} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	want := "key: " + Mask + "\nurl?token=" + Mask + " done\ntail without newline"
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
	if err := NewWriter(path, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a try that printed nothing left a file: %v", err)
	}
}
