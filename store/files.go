package store

import (
	"errors"
	"fmt"
	"os"
)

// The database holds task errors and outputs, so its files are for their
// owner only. SQLite creates a new database file with mode 0644, and gives
// the -wal and -shm files the mode of the database file, so creating the
// file 0600 first covers all three. Files made before this was done are
// tightened on open.
const fileMode = 0o600

// dbSuffixes are the database file and its write-ahead log and index.
var dbSuffixes = []string{"", "-wal", "-shm"}

// restrictFiles creates the database file at path, empty, unless it
// exists (SQLite takes an empty file for an empty database), and makes it
// and its -wal and -shm files readable and writable by their owner only.
func restrictFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, suffix := range dbSuffixes {
		fi, err := os.Stat(path + suffix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if fi.Mode().Perm() == fileMode {
			continue
		}
		if err := os.Chmod(path+suffix, fileMode); err != nil {
			return fmt.Errorf("make %s readable by its owner only: %w (fix its owner or mode: chmod 600 %s)", path+suffix, err, path+suffix)
		}
	}
	return nil
}

// createNew creates path for writing with fileMode, refusing to replace
// a file that exists.
func createNew(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return err
	}
	return f.Close()
}
