package store

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

func TestInspectBackup(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	s, err := Open(ctx, filepath.Join(dir, "meshflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, secret := range map[string]bool{"region": false, "TOKEN": true, "API_KEY": true} {
		if err := s.SetVariable(ctx, name, []byte("sealed-"+name), secret); err != nil {
			t.Fatal(err)
		}
	}
	backup := filepath.Join(dir, "backup.db")
	if err := s.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(backup)
	info, err := InspectBackup(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	if info.SchemaVersion != SchemaVersion() || info.Secrets != 2 || info.SecretName != "API_KEY" || string(info.Sealed) != "sealed-API_KEY" {
		t.Errorf("info = %+v", info)
	}
	if after, _ := os.ReadFile(backup); string(after) != string(before) {
		t.Error("inspecting the backup changed it")
	}
}

func TestInspectBackupRefuses(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	future := filepath.Join(dir, "future.db")
	s, err := open(ctx, future, append(append([]migration{}, migrations...), migration{"future", exec(`CREATE TABLE f (x INTEGER)`)}))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	text := filepath.Join(dir, "notes.db")
	if err := os.WriteFile(text, []byte(strings.Repeat("not a database\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{future: "newer than this meshflow understands", text: "is not a usable meshflow database"} {
		_, err := InspectBackup(ctx, path)
		if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", filepath.Base(path), err, want)
		}
	}
}
