package tasklog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Tail is the end of one try's log.
type Tail struct {
	Text      string
	Truncated bool // the start of the log was cut off
	Missing   bool // no log: the try wrote nothing, or has not started
}

// Tail returns at most the last n bytes of k's log, starting at a whole
// line when it cuts. A log that cannot be read is an error; one that does
// not exist is Missing.
func (d Dir) Tail(k Key, n int64) (Tail, error) {
	f, err := os.Open(d.path(k))
	if errors.Is(err, fs.ErrNotExist) {
		return Tail{Missing: true}, nil
	}
	if err != nil {
		return Tail{}, fmt.Errorf("log of %s: %w", k.Name(), err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Tail{}, fmt.Errorf("log of %s: %w", k.Name(), err)
	}
	if info.Size() == 0 {
		return Tail{Missing: true}, nil
	}
	var t Tail
	if info.Size() > n {
		if _, err := f.Seek(-n, io.SeekEnd); err != nil {
			return Tail{}, fmt.Errorf("log of %s: %w", k.Name(), err)
		}
		t.Truncated = true
	}
	b, err := io.ReadAll(io.LimitReader(f, n))
	if err != nil {
		return Tail{}, fmt.Errorf("log of %s: %w", k.Name(), err)
	}
	if t.Truncated {
		// Start at a whole line, not in the middle of one (or of a
		// multi-byte character).
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	t.Text = string(b)
	return t, nil
}

// Copy writes k's whole log to w.
func (d Dir) Copy(w io.Writer, k Key) error {
	f, err := os.Open(d.path(k))
	if err != nil {
		return fmt.Errorf("log of %s: %w", k.Name(), err)
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}
