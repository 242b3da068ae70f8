package app

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrLocked means another meshflow process owns the data dir.
var ErrLocked = errors.New("data dir is in use by another meshflow process")

// Lock makes this process the one owner of the data dir until the returned
// release is called. The operating system drops the lock when the process
// dies, so a crash never leaves the data dir locked.
func (d DataDir) Lock() (release func(), err error) {
	f, err := os.OpenFile(d.lockFile(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	if err := lockFile(f); err != nil {
		holder, _ := os.ReadFile(d.lockFile())
		f.Close()
		pid := strings.TrimSpace(string(holder))
		if pid == "" {
			pid = "unknown"
		}
		return nil, fmt.Errorf("%s (pid %s, data dir %s): stop it first, or pass --data with another directory: %w",
			ErrLocked.Error(), pid, d, ErrLocked)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return func() {
		_ = f.Truncate(0)
		_ = unlockFile(f)
		f.Close()
	}, nil
}

// lockHolder is the pid the lock's holder wrote into the lock file, or 0.
func (d DataDir) lockHolder() int {
	data, err := os.ReadFile(d.lockFile())
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return pid
}
