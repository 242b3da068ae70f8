package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

// KeySuffix names the copy of the sealing key that a backup FILE carries
// beside it: FILE.key. Without it no secret in the backup can be opened.
const KeySuffix = ".key"

// Backup writes a consistent copy of the database to dest and, when the
// data dir has a sealing key, that key to dest+KeySuffix, both 0600. It
// never overwrites a file. keyFile is the key's copy, or "" when there is
// no key yet (no secret was ever set).
func (a *App) Backup(ctx context.Context, dest string) (keyFile string, err error) {
	keyDest := dest + KeySuffix
	for _, f := range []string{dest, keyDest} {
		if _, err := os.Stat(f); err == nil {
			return "", model.Errorf(model.ErrConflict, "backup to %s: %s exists: choose a new name or remove it first", dest, f)
		}
	}
	if err := a.Store.Backup(ctx, dest); err != nil {
		return "", err
	}
	// The key is read after the copy was taken: any secret in the copy
	// was sealed under a key that existed by then.
	key, err := a.Keys().Key(ctx)
	if err == nil && key == nil {
		return "", nil
	}
	if err == nil {
		err = writeNew(keyDest, key)
	}
	if err != nil {
		_ = os.Remove(dest) // a backup without its key cannot open its secrets
		return "", fmt.Errorf("backup the key %s to %s: %w", a.Dir.Key(), keyDest, err)
	}
	return keyDest, nil
}

// writeNew writes data to path through path.partial, synced, with mode
// 0600, and never replaces a file that exists.
func writeNew(path string, data []byte) error {
	tmp := path + ".partial"
	_ = os.Remove(tmp) // a leftover from an interrupted attempt
	err := writeSynced(tmp, func(w io.Writer) error { _, err := w.Write(data); return err })
	if err == nil {
		err = placeNew(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// writeSynced creates path 0600 (failing if it exists), writes it with
// fill and syncs it to disk.
func writeSynced(path string, fill func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// placeNew moves the finished file tmp to dest, refusing to replace dest.
// A hard link does that atomically; where the file system has none, a
// rename after a check is the best left.
func placeNew(tmp, dest string) error {
	err := os.Link(tmp, dest)
	if errors.Is(err, fs.ErrExist) {
		return model.Errorf(model.ErrConflict, "%s exists: it was not replaced", dest)
	}
	if err == nil {
		_ = os.Remove(tmp)
	} else {
		if _, err := os.Stat(dest); err == nil {
			return model.Errorf(model.ErrConflict, "%s exists: it was not replaced", dest)
		}
		if err := os.Rename(tmp, dest); err != nil {
			return err
		}
	}
	syncDir(filepath.Dir(dest))
	return nil
}

// syncDir makes a new name in dir durable; not every system can.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Restore puts the backup src, and its key src+KeySuffix if present, into
// this data dir, which must have neither a database nor a key and must not
// be in use. The backup is checked first: integrity, a schema this build
// understands, and a key beside it that opens its secrets.
func (d DataDir) Restore(ctx context.Context, src string) (store.BackupInfo, error) {
	var info store.BackupInfo
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	unlock, err := d.Lock()
	if err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	defer unlock()
	for _, f := range []string{d.DB(), d.DB() + "-wal", d.Key()} {
		if _, err := os.Lstat(f); err == nil {
			return info, model.Errorf(model.ErrConflict, "restore: %s exists: restore into an empty data dir (--data NEW_DIR), or move %s away first",
				f, filepath.Base(f))
		}
	}
	if err := checkRegular(src); err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	r := restore{dir: d, src: src, dbTmp: d.DB() + ".restore", keyTmp: d.Key() + ".restore"}
	defer r.cleanUp()
	if info, err = r.stage(ctx); err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	if err := r.place(); err != nil {
		return info, fmt.Errorf("restore: %w", err)
	}
	return info, nil
}
