package tasklog

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Line limits. A line left unfinished is written as it stands once output
// pauses for partialDelay, so the live log shows a prompt or a progress
// message that ends without a newline, and once it reaches maxLineLen, so
// a task printing megabytes without a newline cannot fill memory.
const (
	partialDelay = time.Second
	maxLineLen   = 64 << 10
	// stderrKept is how many of the last stderr lines a Log remembers,
	// for the error of a failed try.
	stderrKept = 20
)

// Log is one try's log: what it writes to Stdout and Stderr, masked, each
// line stamped with when it was written and the stream it came from (see
// line.go). The file is created on the first line, so tries that print
// nothing leave nothing on disk. Writing to the Log itself writes stdout,
// which is where ops that only report progress write.
type Log struct {
	path   string
	now    func() time.Time
	stdout *Writer
	stderr *Writer

	mu      sync.Mutex
	f       *os.File
	err     error
	errTail []string // the last stderr lines, masked
	closed  bool
}

// NewLog returns the log at path, masking m's secrets (nil: none).
func NewLog(path string, m *Masker) *Log {
	l := &Log{path: path, now: time.Now}
	l.stdout = newWriter(&framer{log: l, stream: Stdout}, m)
	l.stderr = newWriter(&framer{log: l, stream: Stderr}, m)
	return l
}

// Write writes p to stdout.
func (l *Log) Write(p []byte) (int, error) { return l.stdout.Write(p) }

// Stdout and Stderr are the writers of the try's two streams. A process
// gets one each, so its error output is told apart in the log.
func (l *Log) Stdout() *Writer { return l.stdout }
func (l *Log) Stderr() *Writer { return l.stderr }

// StderrTail returns up to n of the last lines the try wrote to stderr,
// masked and without blank lines: what a failed try's error quotes.
func (l *Log) StderrTail(n int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errTail[max(len(l.errTail)-n, 0):]...)
}

// Close writes what both streams hold back and closes the file.
func (l *Log) Close() error {
	err1, err2 := l.stdout.Close(), l.stderr.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.closed && l.f != nil {
		if err := l.f.Close(); err != nil && l.err == nil {
			l.err = fmt.Errorf("task log: %w", err)
		}
	}
	l.closed, l.f = true, nil
	for _, err := range []error{err1, err2} {
		if err != nil && l.err == nil {
			l.err = err
		}
	}
	return l.err
}

// append writes whole lines of s, already in file form, to the file,
// creating it on the first write. texts are the lines' texts, for the
// stderr tail.
func (l *Log) append(s Stream, b []byte, texts []string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s == Stderr {
		for _, t := range texts {
			if strings.TrimSpace(t) != "" {
				l.errTail = append(l.errTail, t)
			}
		}
		if len(l.errTail) > stderrKept {
			l.errTail = append(l.errTail[:0], l.errTail[len(l.errTail)-stderrKept:]...)
		}
	}
	if l.err != nil || l.closed {
		// Nothing is written after Close, not even by a late timer: the
		// try is over, and its file must not be created again.
		return l.err
	}
	if l.f == nil {
		if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
			l.err = fmt.Errorf("task log: %w", err)
			return l.err
		}
		f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			l.err = fmt.Errorf("task log: %w", err)
			return l.err
		}
		l.f = f
	}
	// One write per batch: lines of the two streams never interleave
	// within a line, and a chatty task costs a syscall per chunk of
	// output rather than per line.
	if _, err := l.f.Write(b); err != nil {
		l.err = fmt.Errorf("task log: %w", err)
	}
	return l.err
}

// framer cuts one stream's masked output into lines and stamps each with
// the time its first byte arrived.
type framer struct {
	log    *Log
	stream Stream

	mu      sync.Mutex
	partial []byte    // the start of a line whose newline has not come
	at      time.Time // when partial's first byte came
	timer   *time.Timer
	out     []byte
	texts   []string
}

// write frames p. The time is read once per write: the lines of one write
// came at once.
func (f *framer) write(p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.log.now()
	f.out, f.texts = f.out[:0], f.texts[:0]
	for len(p) > 0 {
		if len(f.partial) == 0 {
			f.at = now
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := maxLineLen - len(f.partial)
			if len(p) < room {
				f.partial = append(f.partial, p...)
				break
			}
			f.partial = append(f.partial, p[:room]...)
			p = p[room:]
			f.emit()
			continue
		}
		f.partial = append(f.partial, p[:i]...)
		p = p[i+1:]
		f.emit()
	}
	if len(f.partial) > 0 {
		if f.timer == nil {
			f.timer = time.AfterFunc(partialDelay, f.flushPartial)
		} else {
			f.timer.Reset(partialDelay)
		}
	}
	return f.send()
}

// emit moves the partial line, now whole, to the output batch.
func (f *framer) emit() {
	f.out = appendLine(f.out, f.at, f.stream, f.partial)
	if f.stream == Stderr {
		f.texts = append(f.texts, string(f.partial))
	}
	f.partial = f.partial[:0]
}

func (f *framer) send() error {
	if len(f.out) == 0 {
		return nil
	}
	return f.log.append(f.stream, f.out, f.texts)
}

// flushPartial writes an unfinished line once output has paused.
func (f *framer) flushPartial() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.partial) == 0 {
		return
	}
	f.out, f.texts = f.out[:0], f.texts[:0]
	f.emit()
	_ = f.send() // the error is kept in the Log and returned by Close
}

// close writes the unfinished last line, if any.
func (f *framer) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.timer != nil {
		f.timer.Stop()
	}
	if len(f.partial) == 0 {
		return nil
	}
	f.out, f.texts = f.out[:0], f.texts[:0]
	f.emit()
	return f.send()
}

// ReadFrom writes stdout from r: os/exec hands a process's output to it.
func (l *Log) ReadFrom(r io.Reader) (int64, error) { return l.stdout.ReadFrom(r) }
