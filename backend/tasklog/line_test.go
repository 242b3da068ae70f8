package tasklog

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Each line is stamped as it is written and says which stream it came
// from, in an order that follows the output, and the file reads well with
// cat: a fixed-width UTC time, the stream, the text.
func TestLinesAreStampedAndTaggedWithTheirStream(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.1.log")
	l := NewLog(path, nil)
	before := time.Now().Truncate(time.Millisecond)
	for _, w := range []struct {
		to   *Writer
		text string
	}{{l.Stdout(), "downloading\n"}, {l.Stderr(), "warning: slow\n"}, {l.Stdout(), "done: 3 files\nno newline"}} {
		if _, err := w.to.Write([]byte(w.text)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	shape := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (out|err) `)
	for _, raw := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if !shape.MatchString(raw) {
			t.Errorf("file line %q does not start with a UTC time and a stream", raw)
		}
	}
	lines := ParseLines(data, 1)
	want := []struct {
		s    Stream
		text string
	}{{Stdout, "downloading"}, {Stderr, "warning: slow"}, {Stdout, "done: 3 files"}, {Stdout, "no newline"}}
	if len(lines) != len(want) {
		t.Fatalf("lines = %+v, want %d", lines, len(want))
	}
	for i, w := range want {
		got := lines[i]
		if got.N != i+1 || got.Stream != w.s || got.Text != w.text {
			t.Errorf("line %d = %d %s %q, want %d %s %q", i, got.N, got.Stream, got.Text, i+1, w.s, w.text)
		}
		if got.At.Before(before) || got.At.After(after) {
			t.Errorf("line %d stamped %s, outside the write (%s to %s)", i, got.At, before, after)
		}
	}
}

// Logs written before lines were stamped read as stdout with no time, and
// so does a line that only looks like a stamp.
func TestUnstampedLinesReadAsPlainOutput(t *testing.T) {
	data := []byte("plain old line\n2026-13-40T25:00:00.000Z out not a time\n2026-12-04T17:57:23.123Z xyz unknown stream\n\nlast")
	lines := ParseLines(data, 7)
	texts := []string{"plain old line", "2026-13-40T25:00:00.000Z out not a time", "2026-12-04T17:57:23.123Z xyz unknown stream", "", "last"}
	if len(lines) != len(texts) {
		t.Fatalf("lines = %+v", lines)
	}
	for i, l := range lines {
		if l.N != 7+i || !l.At.IsZero() || l.Stream != Stdout || l.Text != texts[i] {
			t.Errorf("line %d = %+v, want plain %q", i, l, texts[i])
		}
	}
	at, s, text := parseLine([]byte("2026-12-04T17:57:23.123Z err boom"))
	if !at.Equal(time.Date(2026, 12, 4, 17, 57, 23, 123e6, time.UTC)) || s != Stderr || string(text) != "boom" {
		t.Errorf("stamped line = %s %s %q", at, s, text)
	}
}

// A prompt or progress message printed without a newline shows in the live
// log once output pauses; what follows goes on a line of its own.
func TestUnfinishedLineShowsWhenOutputPauses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.1.log")
	l := NewLog(path, nil)
	if _, err := l.Write([]byte("waiting for the database...")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); logText(t, path) != "waiting for the database...\n"; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("unfinished line not shown while the task pauses; log = %q", logText(t, path))
		}
	}
	if _, err := l.Write([]byte(" up\n")); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := logText(t, path); got != "waiting for the database...\n up\n" {
		t.Errorf("log = %q", got)
	}
}

// A task that prints megabytes without a newline is cut into lines of at
// most maxLineLen: nothing is lost, and nothing waits in memory for a
// newline that never comes.
func TestEndlessLineIsCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.1.log")
	l := NewLog(path, nil)
	chunk := bytes.Repeat([]byte("x"), 10000)
	for range 100 {
		if _, err := l.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if len(l.stdout.lines.partial) >= maxLineLen {
		t.Errorf("holds %d bytes of an unfinished line", len(l.stdout.lines.partial))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	total := 0
	for _, line := range ParseLines(data, 1) {
		if len(line.Text) > maxLineLen {
			t.Fatalf("a line of %d bytes", len(line.Text))
		}
		total += len(line.Text)
	}
	if total != 100*len(chunk) {
		t.Errorf("log holds %d bytes of output, want %d", total, 100*len(chunk))
	}
}

// Read gives the end of a long log numbered as in the whole log, so a
// link to line 990 names the same line whatever part a page shows.
func TestReadNumbersTheEndOfALongLog(t *testing.T) {
	dir := Dir(t.TempDir())
	k := Key{DAG: "d", RunID: 1, Task: "a", Try: 1}
	l := dir.Create(k, nil)
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(l, "line %d\n", i)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	p, err := dir.Read(k, 1000, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Truncated || len(p.Lines) == 0 {
		t.Fatalf("page = %+v", p)
	}
	for _, line := range p.Lines {
		if want := fmt.Sprintf("line %d", line.N); line.Text != want {
			t.Fatalf("line numbered %d reads %q", line.N, line.Text)
		}
	}
	if last := p.Lines[len(p.Lines)-1]; last.N != 1000 {
		t.Errorf("last line is %d, want 1000", last.N)
	}
	p, err = dir.Read(k, 1<<20, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) != 10 || p.Lines[0].N != 991 || !p.Truncated {
		t.Errorf("last 10 lines: %d lines from %d, truncated %v", len(p.Lines), p.Lines[0].N, p.Truncated)
	}
	p, err = dir.Read(k, 1<<20, 0)
	if err != nil || len(p.Lines) != 1000 || p.Truncated || p.Lines[0].N != 1 {
		t.Errorf("whole log: %d lines, truncated %v, %v", len(p.Lines), p.Truncated, err)
	}
	if p, err := dir.Read(Key{DAG: "d", RunID: 1, Task: "none", Try: 1}, 1000, 0); err != nil || !p.Missing {
		t.Errorf("missing log: %+v, %v", p, err)
	}
}

// The end of stderr is what a failed try's error quotes, so it is masked
// like the log, and blank lines, which say nothing, are skipped.
func TestStderrTailIsMasked(t *testing.T) {
	l := NewLog(filepath.Join(t.TempDir(), "a.1.log"), NewMasker([]string{"hunter2"}))
	fmt.Fprint(l.Stderr(), "connecting\n\nauth failed for password hunter2\n   \n")
	fmt.Fprint(l.Stdout(), "this is stdout\n")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := l.StderrTail(5)
	want := []string{"connecting", "auth failed for password " + Mask}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("stderr tail = %q, want %q", got, want)
	}
	if got := l.StderrTail(1); len(got) != 1 || got[0] != want[1] {
		t.Errorf("last line of stderr = %q", got)
	}
}

// The CLI prints a log as the task wrote it, or with times and a mark on
// stderr lines.
func TestCopyText(t *testing.T) {
	dir := Dir(t.TempDir())
	k := Key{DAG: "d", RunID: 1, Task: "a", Try: 1}
	l := dir.Create(k, nil)
	fmt.Fprint(l.Stdout(), "out line\n")
	fmt.Fprint(l.Stderr(), "err line\n")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	var plain, stamped bytes.Buffer
	if err := dir.CopyText(&plain, k, false, nil); err != nil {
		t.Fatal(err)
	}
	if plain.String() != "out line\nerr line\n" {
		t.Errorf("text = %q", plain.String())
	}
	if err := dir.CopyText(&stamped, k, true, time.UTC); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d{3}     out line\n\d\d:\d\d:\d\d\.\d{3} err err line\n$`).MatchString(stamped.String()) {
		t.Errorf("stamped text = %q", stamped.String())
	}
}
