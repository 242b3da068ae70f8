package tasklog

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// Page is the end of one try's log, in lines.
type Page struct {
	Lines     []Line
	Truncated bool // lines before the first shown were left out
	Missing   bool // no log: the try wrote nothing, or has not started
	Size      int64
}

// Read returns the end of k's log: its last maxLines lines that fit in the
// last maxBytes bytes, numbered as in the whole log. A log that cannot be
// read is an error; one that does not exist is Missing.
func (d Dir) Read(k Key, maxBytes int64, maxLines int) (Page, error) {
	fail := func(err error) (Page, error) { return Page{}, fmt.Errorf("log of %s: %w", k.Name(), err) }
	f, err := os.Open(d.path(k))
	if errors.Is(err, fs.ErrNotExist) {
		return Page{Missing: true}, nil
	}
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	size := info.Size()
	if size == 0 {
		return Page{Missing: true}, nil
	}
	p := Page{Size: size}
	first := 1
	from := max(size-maxBytes, 0)
	if from > 0 {
		// Number the lines as in the whole log: count those skipped.
		// Counting newlines runs at memory speed; a 100 MB log costs
		// tens of milliseconds, and only when it is that long.
		n, err := countLines(io.NewSectionReader(f, 0, from))
		if err != nil {
			return fail(err)
		}
		first += n
		p.Truncated = true
	}
	data := make([]byte, size-from)
	if _, err := f.ReadAt(data, from); err != nil && !errors.Is(err, io.EOF) {
		return fail(err)
	}
	if from > 0 {
		// The cut fell inside a line, or just after one: start at the
		// next whole line.
		if i := bytes.IndexByte(data, '\n'); i >= 0 && i < len(data)-1 {
			data = data[i+1:]
			first++
		}
	}
	p.Lines = ParseLines(data, first)
	if len(p.Lines) > maxLines && maxLines > 0 {
		p.Lines = p.Lines[len(p.Lines)-maxLines:]
		p.Truncated = true
	}
	return p, nil
}

// countLines counts the newlines r yields.
func countLines(r io.Reader) (int, error) {
	buf := copyBufs.Get().(*[32 << 10]byte)
	defer copyBufs.Put(buf)
	n := 0
	for {
		m, err := r.Read(buf[:])
		n += bytes.Count(buf[:m], []byte{'\n'})
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// Copy writes k's whole log to w as it is kept: each line with its time
// and stream. It is what a download gives.
func (d Dir) Copy(w io.Writer, k Key) error {
	f, err := os.Open(d.path(k))
	if err != nil {
		return fmt.Errorf("log of %s: %w", k.Name(), err)
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// CopyText writes k's whole log to w as the task wrote it, one line each,
// without the times and streams, or, with stamps, prefixed with the time
// (HH:MM:SS.mmm in loc, nil: the local zone) and "err" on stderr lines.
func (d Dir) CopyText(w io.Writer, k Key, stamps bool, loc *time.Location) error {
	f, err := os.Open(d.path(k))
	if err != nil {
		return fmt.Errorf("log of %s: %w", k.Name(), err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineLen+prefixLen+1)
	bw := bufio.NewWriter(w)
	for sc.Scan() {
		writeText(bw, sc.Bytes(), stamps, loc)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("log of %s: %w", k.Name(), err)
	}
	return bw.Flush()
}

// writeText writes one file line as text.
func writeText(w io.Writer, line []byte, stamps bool, loc *time.Location) {
	at, s, text := parseLine(line)
	var b []byte
	if stamps {
		if at.IsZero() {
			b = append(b, "            "...)
		} else {
			b = at.In(cmp.Or(loc, time.Local)).AppendFormat(b, "15:04:05.000")
		}
		if s == Stderr {
			b = append(b, " err "...)
		} else {
			b = append(b, "     "...)
		}
	}
	b = append(b, text...)
	b = append(b, '\n')
	_, _ = w.Write(b)
}
