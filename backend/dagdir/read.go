package dagdir

import (
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/meshflow/meshflow/backend/model"
)

// MaxFileSize bounds a DAG file. Real ones are a few kilobytes; the bound
// keeps a stray large file (a log, a dump renamed .yaml) from being read
// whole and parsed.
const MaxFileSize = 1 << 20

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
	// Non-blocking open: the file may have been swapped for a pipe since
	// the Stat, and opening a pipe for reading waits for a writer.
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkRegular(path, fi); err != nil {
		return nil, err
	}
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(src) > MaxFileSize {
		return nil, tooLarge(path)
	}
	return src, nil
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
