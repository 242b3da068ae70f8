// Package tasklog owns the task logs and their layout on disk — one file
// per task try, logs/<dag>/<run id>/<task>.<try>.log — written with secrets
// masked, listed, tailed, followed while the task runs, and swept by the
// retention settings. Nothing else knows where a log file lives.
package tasklog

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Mask replaces every secret value in log text.
const Mask = "********"

// Writer writes one try's log. The file is created on the first write, so
// tasks that print nothing leave nothing on disk. Secrets are masked even
// when split across writes (see Write).
type Writer struct {
	path     string
	secrets  []string
	holdBack int // bytes kept back: the longest secret's length minus one

	mu      sync.Mutex
	f       *os.File
	pending []byte
	err     error
}

// NewWriter returns a writer for the log at path that masks each of secrets.
func NewWriter(path string, secrets []string) *Writer {
	var keep []string
	for _, s := range secrets {
		if s != "" {
			keep = append(keep, s)
		}
	}
	hold := 0
	for _, s := range keep {
		hold = max(hold, len(s)-1)
	}
	return &Writer{path: path, secrets: keep, holdBack: hold}
}

// Write masks secrets and appends to the file. A secret may arrive split
// across writes — a multi-line key printed in pieces — so the last
// len(longest secret)-1 bytes are held back until more output or Close
// shows whether they begin one.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return 0, w.err
	}
	w.pending = append(w.pending, p...)
	w.mask()
	if cut := len(w.pending) - w.holdBack; cut > 0 {
		w.flush(cut)
	}
	return len(p), w.err
}

// mask replaces every complete secret in the pending bytes.
func (w *Writer) mask() {
	for _, s := range w.secrets {
		if bytes.Contains(w.pending, []byte(s)) {
			w.pending = bytes.ReplaceAll(w.pending, []byte(s), []byte(Mask))
		}
	}
}

// MaskString replaces every secret in s, for text that leaves a try other
// than through its log: error messages and outputs.
func MaskString(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, Mask)
		}
	}
	return s
}

// copyBufs are ReadFrom's buffers.
var copyBufs = sync.Pool{New: func() any { return new([32 << 10]byte) }}

// ReadFrom writes what r yields until EOF. os/exec copies a process's
// output into its Writer with io.Copy, which would otherwise allocate a
// 32 KiB buffer for every try, whether or not the process prints anything.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	buf := copyBufs.Get().(*[32 << 10]byte)
	defer copyBufs.Put(buf)
	var total int64
	for {
		n, err := r.Read(buf[:])
		if n > 0 {
			total += int64(n)
			if _, werr := w.Write(buf[:n]); werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// flush writes the first n pending bytes, masked.
func (w *Writer) flush(n int) {
	if w.f == nil {
		if err := os.MkdirAll(filepath.Dir(w.path), 0o700); err != nil {
			w.err = fmt.Errorf("task log: %w", err)
			return
		}
		f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			w.err = fmt.Errorf("task log: %w", err)
			return
		}
		w.f = f
	}
	if _, err := w.f.Write(w.pending[:n]); err != nil {
		w.err = fmt.Errorf("task log: %w", err)
	}
	w.pending = append(w.pending[:0], w.pending[n:]...)
}

// Close writes what is left and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) > 0 && w.err == nil {
		w.mask()
		w.flush(len(w.pending))
	}
	if w.f != nil {
		if err := w.f.Close(); err != nil && w.err == nil {
			w.err = fmt.Errorf("task log: %w", err)
		}
		w.f = nil
	}
	return w.err
}
