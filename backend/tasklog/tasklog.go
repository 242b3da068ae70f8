// Package tasklog owns the task logs and their layout on disk — one file
// per task try, logs/<dag>/<run id>/<task>.<try>.log — written with secrets
// masked and each line stamped with its time and stream (stdout or
// stderr), listed, read, followed while the task runs, and swept by the
// retention settings. Nothing else knows where a log file lives.
package tasklog

import (
	"io"
	"sync"
	"time"
)

// flushDelay is how long held-back output waits for more before what
// cannot begin a secret is written anyway: a task that prints a line and
// then works quietly must show the line in the live log.
const flushDelay = 200 * time.Millisecond

// Writer writes one stream of one try's log, stdout or stderr, to its
// lines. Secrets are masked even when split across writes (see Write).
type Writer struct {
	lines *framer
	m     *Masker
	hold  int // bytes kept back: the longest secret form's length minus one

	mu sync.Mutex
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

func newWriter(lines *framer, m *Masker) *Writer {
	return &Writer{lines: lines, m: m, hold: max(m.longest()-1, 0)}
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

// write passes masked output on to the stream's lines.
func (w *Writer) write(p []byte) {
	if len(p) == 0 || w.err != nil {
		return
	}
	w.err = w.lines.write(p)
}

// Close writes what is left, an unfinished last line too.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.flush != nil {
		w.flush.Stop()
	}
	if w.m != nil && w.err == nil {
		w.drain(len(w.buf))
	}
	if err := w.lines.close(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}
