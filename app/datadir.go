package app

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/meshflow/meshflow/backend/vault"
)

// DataDir is the directory that holds all of one installation's state.
type DataDir string

// DB is the SQLite database file.
func (d DataDir) DB() string { return filepath.Join(string(d), "meshflow.db") }

// DAGs is the folder of DAG definitions, one YAML file each.
func (d DataDir) DAGs() string { return filepath.Join(string(d), "dags") }

// Key is the key secrets are sealed with (see backend/vault).
func (d DataDir) Key() string { return filepath.Join(string(d), vault.KeyFileName) }

// Logs is the folder of task logs.
func (d DataDir) Logs() string { return filepath.Join(string(d), "logs") }

// lockFile is held by the process that runs the engine on this data dir.
func (d DataDir) lockFile() string { return filepath.Join(string(d), "meshflow.lock") }

// Prepare creates the data dir on first start: the folders, and dags/ seeded
// with the starter DAGs from examples. The seeding happens only when dags/
// does not exist yet, so examples a user deleted stay deleted.
func (d DataDir) Prepare(examples fs.FS) error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := os.MkdirAll(d.Logs(), 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if _, err := os.Stat(d.DAGs()); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("data dir: %w", err)
	}
	// Seed into a temporary folder and rename it, so that an interrupted
	// first start does not leave a half-seeded dags/ that is never completed.
	tmp, err := os.MkdirTemp(string(d), ".dags-")
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }() // already renamed away on success
	if examples != nil {
		if err := copyYAML(examples, tmp); err != nil {
			return fmt.Errorf("data dir: seed starter DAGs: %w", err)
		}
	}
	if err := os.Rename(tmp, d.DAGs()); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	return nil
}

// copyYAML copies the .yaml files at the root of src into dir.
func copyYAML(src fs.FS, dir string) error {
	entries, err := fs.ReadDir(src, ".")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".yaml" {
			continue
		}
		data, err := fs.ReadFile(src, e.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// ResetDB deletes the database files, holding the data dir's lock so that it
// cannot happen under a running server. The next Open creates an empty one.
func (d DataDir) ResetDB() error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return fmt.Errorf("reset database: %w", err)
	}
	unlock, err := d.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	for _, suffix := range []string{"-wal", "-shm", ""} {
		if err := os.Remove(d.DB() + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("reset database: %w", err)
		}
	}
	return nil
}
