package dagdir

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// MaxFileSize bounds a DAG file. Real ones are a few kilobytes; the bound
// keeps a stray large file (a log, a dump renamed .yaml) from being read
// whole and parsed.
const MaxFileSize = 1 << 20

// readTimeout bounds the read of one DAG file. A plain file on a local
// disk takes microseconds; a file whose read blocks (a hung network or
// FUSE mount, a kernel file that waits for data) must not hold up the
// load of the whole folder.
const readTimeout = 5 * time.Second

// kernelDirs hold files that look regular but are the kernel's: reading
// one may block (/proc/kmsg waits for the next kernel message) or consume
// what it reads. A DAG file never lives there, even behind a symlink.
var kernelDirs = []string{"/proc/", "/sys/", "/dev/"}

// readFile reads a DAG file without ever blocking on it: only regular
// files are read, and at most MaxFileSize bytes. A named pipe or a device
// in the folder would otherwise stall the open or the read for as long as
// nothing writes to it, and with it every command that loads the folder.
func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	if err := checkTarget(path); err != nil {
		return nil, err
	}
	// Non-blocking open: the file may have been swapped for a pipe since
	// the Stat, and opening a pipe for reading waits for a writer.
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, err
	}
	if fi, err = f.Stat(); err == nil {
		err = checkRegular(path, fi)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	src, err := readBounded(f, MaxFileSize+1, readTimeout)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(src) > MaxFileSize {
		return nil, tooLarge(path)
	}
	return src, nil
}

// checkTarget refuses a file that resolves into one of kernelDirs.
func checkTarget(path string) error {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	for _, dir := range kernelDirs {
		if strings.HasPrefix(target, dir) {
			return model.Errorf(model.ErrInvalid, "%s: leads to %s, a kernel file, not a DAG: remove the link or point it at a plain file",
				path, target)
		}
	}
	return nil
}

// readBounded reads at most limit bytes of r and closes it, giving up
// after timeout. Regular files take no read deadline, so a read that
// blocks is left to finish in the background, and closing the file
// waits until it does.
func readBounded(r io.ReadCloser, limit int64, timeout time.Duration) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := io.ReadAll(io.LimitReader(r, limit))
		_ = r.Close()
		done <- result{data, err}
	}()
	select {
	case res := <-done:
		return res.data, res.err
	case <-time.After(timeout):
		return nil, fmt.Errorf("reading did not finish within %s: a DAG file must be a plain file on a disk that answers; move it out of the DAG folder", timeout)
	}
}

func checkRegular(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return model.Errorf(model.ErrInvalid, "%s: not a regular file (%s): a DAG file must be a plain file; remove it or move it out of the DAG folder",
			path, kindOf(fi.Mode()))
	}
	if fi.Size() > MaxFileSize {
		return tooLarge(path)
	}
	return nil
}

func tooLarge(path string) error {
	return model.Errorf(model.ErrInvalid, "%s: over the %d MiB limit for a DAG file: split it into several DAGs, or move it out of the DAG folder",
		path, MaxFileSize>>20)
}

// kindOf names a non-regular file type the way ls -l users know it.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "type " + m.Type().String()
}
