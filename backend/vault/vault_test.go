package vault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpenAndKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeyFileName)
	if _, err := Open(path); !errors.Is(err, ErrNoKey) {
		t.Fatalf("open without a key = %v, want ErrNoKey", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("reading made a key: %v", err)
	}
	v, err := OpenOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	sealed := v.Seal("token", []byte("s3cr3t"))
	if bytes.Contains(sealed, []byte("s3cr3t")) {
		t.Fatal("sealed value contains the plaintext")
	}
	again, err := Open(path) // a second process reads the same key
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Open("token", sealed); err != nil || string(got) != "s3cr3t" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := again.Open("other", sealed); !errors.Is(err, ErrCorrupt) {
		t.Errorf("value moved to another name opened: %v", err)
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := again.Open("token", sealed); !errors.Is(err, ErrCorrupt) {
		t.Errorf("tampered value opened: %v", err)
	}
	other, _ := OpenOrCreate(filepath.Join(t.TempDir(), KeyFileName))
	if _, err := other.Open("token", v.Seal("token", []byte("x"))); !errors.Is(err, ErrCorrupt) {
		t.Errorf("value opened under another key: %v", err)
	}
}

func TestBadKeyFileIsReported(t *testing.T) {
	path := filepath.Join(t.TempDir(), KeyFileName)
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path); err == nil || !bytes.Contains([]byte(err.Error()), []byte("restore it from a backup")) {
		t.Fatalf("err = %v", err)
	}
}
