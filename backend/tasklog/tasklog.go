// Package tasklog owns the task logs and their layout on disk — one file
// per task try, logs/<dag>/<run id>/<task>.<try>.log — written with secrets
// masked, listed, tailed, followed while the task runs, and swept by the
// retention settings. Nothing else knows where a log file lives.
package tasklog

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// flushDelay is how long held-back output waits for more before what
// cannot begin a secret is written anyway: a task that prints a line and
// then works quietly must show the line in the live log.
const flushDelay = 200 * time.Millisecond

// Writer writes one try's log. The file is created on the first write, so
// tasks that print nothing leave nothing on disk. Secrets are masked even
// when split across writes (see Write).
type Writer struct {
	path string
	m    *Masker
	hold int // bytes kept back: the longest secret form's length minus one

	mu sync.Mutex
	f  *os.File
	// buf is raw output: buf[:done] is already written, kept as context so
	// that a secret straddling two writes is still recognised whole, and
	// buf[done:] is held back.
	buf     []byte
	done    int
	masking bool // the last byte written was inside a mask
	out     []byte
	err     error
	flush   *time.Timer // writes out held bytes once output pauses
	closed  bool
}

// NewWriter returns a writer for the log at path that masks with m (nil:
// nothing to mask).
func NewWriter(path string, m *Masker) *Writer {
	return &Writer{path: path, m: m, hold: max(m.longest()-1, 0)}
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
	if w.m == nil {
		w.write(p)
		return len(p), w.err
	}
	w.buf = append(w.buf, p...)
	w.drain(len(w.buf) - w.hold)
	if w.done < len(w.buf) {
		if w.flush == nil {
			w.flush = time.AfterFunc(flushDelay, w.flushHeld)
		} else {
			w.flush.Reset(flushDelay)
		}
	}
	return len(p), w.err
}

// flushHeld writes the held bytes up to where the rest could still begin
// a secret: nothing written can then turn out to be part of one, however
// the output goes on.
func (w *Writer) flushHeld() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.err != nil {
		return
	}
	w.drain(w.done + w.m.clearPrefix(w.buf[w.done:]))
}

// drain writes buf[done:cut], masked, and keeps hold bytes before cut as
// context. Cutting inside a secret is safe: the context holds enough of it
// to recognise the rest, and masking says its start is already masked.
func (w *Writer) drain(cut int) {
	if cut <= w.done {
		return
	}
	w.out = w.out[:0]
	pos := w.done
	for _, sp := range w.m.spans(w.buf) {
		if sp.end <= pos {
			continue
		}
		if sp.start >= cut {
			break
		}
		if sp.start > pos {
			w.out, w.masking = append(w.out, w.buf[pos:sp.start]...), false
		}
		if !w.masking || sp.start >= w.done {
			w.out = append(w.out, Mask...)
		}
		pos, w.masking = min(sp.end, cut), true
	}
	if pos < cut {
		w.out, w.masking = append(w.out, w.buf[pos:cut]...), false
	}
	w.write(w.out)
	keep := max(cut-w.hold, 0)
	w.buf = append(w.buf[:0], w.buf[keep:]...)
	w.done = cut - keep
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

// write appends p to the file, creating it on the first write.
func (w *Writer) write(p []byte) {
	if len(p) == 0 || w.err != nil {
		return
	}
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
	if _, err := w.f.Write(p); err != nil {
		w.err = fmt.Errorf("task log: %w", err)
	}
}

// Close writes what is left and closes the file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.flush != nil {
		w.flush.Stop()
	}
	if w.m != nil && w.err == nil {
		w.drain(len(w.buf))
	}
	if w.f != nil {
		if err := w.f.Close(); err != nil && w.err == nil {
			w.err = fmt.Errorf("task log: %w", err)
		}
		w.f = nil
	}
	return w.err
}
