//go:build !windows

package store

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// withUmask runs fn under the umask most systems default to, which gives
// a file created 0666 the mode 0644.
func withUmask(t *testing.T, fn func()) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	fn()
}

func checkModes(t *testing.T, files ...string) {
	t.Helper()
	for _, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(f), fi.Mode().Perm())
		}
	}
}

// The database, its WAL and its shared-memory index hold task errors and
// outputs: readable by their owner only, also for a backup.
func TestDatabaseFilesAreOwnerOnly(t *testing.T) {
	withUmask(t, func() {
		ctx := t.Context()
		path := filepath.Join(t.TempDir(), "meshflow.db")
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.SetVariable(ctx, "region", []byte("eu-west-1"), false); err != nil {
			t.Fatal(err)
		}
		checkModes(t, path, path+"-wal", path+"-shm")
		backup := filepath.Join(t.TempDir(), "backup.db")
		if err := s.Backup(ctx, backup); err != nil {
			t.Fatal(err)
		}
		checkModes(t, backup)
	})
}

// Files an older meshflow made 0644 are tightened when the database opens.
func TestOpenTightensExistingFiles(t *testing.T) {
	withUmask(t, func() {
		ctx := t.Context()
		path := filepath.Join(t.TempDir(), "meshflow.db")
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetVariable(ctx, "region", []byte("eu-west-1"), false); err != nil {
			t.Fatal(err)
		}
		// A second connection keeps the WAL and index on disk meanwhile.
		for _, f := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Chmod(f, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		again, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		defer s.Close()
		checkModes(t, path, path+"-wal", path+"-shm")
	})
}
