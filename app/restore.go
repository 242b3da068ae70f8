package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/vault"
	"github.com/meshflow/meshflow/store"
)

// restore is one DataDir.Restore: the backup is copied beside its final
// place and checked there, so that what is checked is what gets placed.
type restore struct {
	dir           DataDir
	src           string
	dbTmp, keyTmp string
	hasKey        bool
}

// stage copies the backup and its key into the data dir under temporary
// names and checks them.
func (r *restore) stage(ctx context.Context) (store.BackupInfo, error) {
	var info store.BackupInfo
	_ = os.Remove(r.dbTmp) // a leftover from an interrupted restore
	_ = os.Remove(r.keyTmp)
	if err := copyFile(r.src, r.dbTmp); err != nil {
		return info, err
	}
	info, err := store.InspectBackup(ctx, r.dbTmp)
	if err != nil {
		return info, fmt.Errorf("%s: %w", r.src, err)
	}
	keySrc := r.src + KeySuffix
	key, err := readKey(keySrc)
	if errors.Is(err, fs.ErrNotExist) {
		if info.Secrets > 0 {
			return info, model.Errorf(model.ErrInvalid, "%s holds %s, but %s, the key they are sealed with, is not beside it: "+
				"put the key file written with the backup there", r.src, count(info.Secrets, "secret"), keySrc)
		}
		return info, nil
	}
	if err != nil {
		return info, err
	}
	if err := writeSynced(r.keyTmp, func(w io.Writer) error { _, err := w.Write(key); return err }); err != nil {
		return info, err
	}
	v, err := vault.Open(r.keyTmp)
	if err != nil {
		return info, fmt.Errorf("%s: %w", keySrc, err)
	}
	if info.KeyFingerprint != "" && vault.Fingerprint(key) != info.KeyFingerprint {
		return info, model.Errorf(model.ErrInvalid, "%s does not open the secrets in %s: it is the key of another backup or data dir (fingerprint %s, want %s)",
			keySrc, r.src, vault.Fingerprint(key), info.KeyFingerprint)
	}
	if info.SecretName != "" {
		if _, err := v.Open(info.SecretName, info.Sealed); err != nil {
			return info, model.Errorf(model.ErrInvalid, "%s does not open the secrets in %s: it is the key of another backup or data dir", keySrc, r.src)
		}
	}
	r.hasKey = true
	return info, nil
}

// place moves the key, then the database, to their final names: once
// meshflow.db is there, the restore is complete.
func (r *restore) place() error {
	if r.hasKey {
		if err := placeNew(r.keyTmp, r.dir.Key()); err != nil {
			return err
		}
	}
	if err := placeNew(r.dbTmp, r.dir.DB()); err != nil {
		if r.hasKey {
			_ = os.Remove(r.dir.Key())
		}
		return err
	}
	return nil
}

// cleanUp removes whatever of the staged files is left.
func (r *restore) cleanUp() {
	for _, f := range []string{r.dbTmp, r.dbTmp + "-wal", r.dbTmp + "-shm", r.dbTmp + "-journal", r.keyTmp} {
		_ = os.Remove(f)
	}
}

// copyFile copies src to a new file dst, 0600 and synced.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeSynced(dst, func(w io.Writer) error { _, err := io.Copy(w, in); return err })
}

// checkRegular refuses a path that is not a regular file: reading a named
// pipe would wait for a writer.
func checkRegular(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return model.Errorf(model.ErrInvalid, "%s is not a regular file", path)
	}
	return nil
}

// readKey reads a key file, which is small and must be a regular file.
func readKey(path string) ([]byte, error) {
	if err := checkRegular(path); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 1<<10))
}

// count says "1 secret", "2 secrets".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
