package cli

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/app"
	"github.com/meshflow/meshflow/backend/model"
)

// backupWithSecret makes a data dir holding the secret TOKEN=value and
// backs it up to a new file, which it returns.
func backupWithSecret(t *testing.T, value string) string {
	t.Helper()
	dir := t.TempDir()
	setSecretFromStdin(t, dir, "TOKEN", value)
	dest := filepath.Join(t.TempDir(), "backup.db")
	out, err := runIn(t.Context(), dir, "db", "backup", dest)
	if err != nil || !strings.Contains(out, dest+".key") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	key, err := os.ReadFile(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	if copied, err := os.ReadFile(dest + ".key"); err != nil || !bytes.Equal(copied, key) {
		t.Fatalf("FILE.key is not the data dir's key: %v", err)
	}
	for _, f := range []string{dest, dest + ".key"} {
		if fi, err := os.Stat(f); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
			t.Errorf("%s: %v, mode %v; want 0600", filepath.Base(f), err, fi.Mode().Perm())
		}
	}
	return dest
}

// A backup is restorable on its own: restored into a new data dir, its
// secrets open.
func TestDBBackupAndRestoreKeepSecrets(t *testing.T) {
	backup := backupWithSecret(t, "s3cr3t-value")
	restored := filepath.Join(t.TempDir(), "new")
	out, err := runIn(t.Context(), restored, "db", "restore", backup)
	if err != nil || !strings.Contains(out, "restored "+backup) {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	got, err := runIn(t.Context(), restored, "var", "get", "TOKEN", "--reveal")
	if err != nil || strings.TrimSpace(got) != "s3cr3t-value" {
		t.Fatalf("secret after restore = %q, %v", got, err)
	}
	// Backing up to the same name again replaces nothing.
	if _, err := runIn(t.Context(), restored, "db", "backup", backup); !errors.Is(err, model.ErrConflict) {
		t.Errorf("backup over an existing backup: err = %v, want a conflict", err)
	}
}

func TestDBRestoreRefuses(t *testing.T) {
	ctx := t.Context()
	backup := backupWithSecret(t, "first")
	other := backupWithSecret(t, "second")

	used := t.TempDir()
	if _, err := runIn(ctx, used, "dag", "list"); err != nil { // creates meshflow.db
		t.Fatal(err)
	}
	keyOnly := t.TempDir()
	if err := os.WriteFile(filepath.Join(keyOnly, "secret.key"), bytes.Repeat([]byte{1}, 32), 0o600); err != nil {
		t.Fatal(err)
	}
	locked := t.TempDir()
	unlock, err := app.DataDir(locked).Lock() // as a running meshflow holds it
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	noKey := filepath.Join(t.TempDir(), "nokey.db")
	wrongKey := filepath.Join(t.TempDir(), "wrongkey.db")
	copyTo(t, backup, noKey)
	copyTo(t, backup, wrongKey)
	copyTo(t, other+".key", wrongKey+".key")
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("junk\n"), 1000), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, dir, file, want string
		is                    error
	}{
		{"a data dir with a database", used, backup, "meshflow.db exists", model.ErrConflict},
		{"a data dir with a key", keyOnly, backup, "secret.key exists", model.ErrConflict},
		{"a data dir in use", locked, backup, "in use by another meshflow process", app.ErrLocked},
		{"secrets without their key", t.TempDir(), noKey, "holds 1 secret, but " + noKey + ".key", model.ErrInvalid},
		{"another backup's key", t.TempDir(), wrongKey, "does not open the secrets", model.ErrInvalid},
		{"not a database", t.TempDir(), junk, "is not a usable meshflow database", model.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := listDir(t, tc.dir)
			_, err := runIn(ctx, tc.dir, "db", "restore", tc.file)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if after := listDir(t, tc.dir); after != before {
				t.Errorf("a refused restore changed the data dir: %s → %s", before, after)
			}
		})
	}
}

func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(dst, data, 0o600)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// listDir names the files in dir, but the lock file a restore may create.
func listDir(t *testing.T, dir string) string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		if e.Name() != "meshflow.lock" {
			names = append(names, e.Name())
		}
	}
	return strings.Join(names, " ")
}
