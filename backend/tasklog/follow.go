package tasklog

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"time"
)

// followEvery is how often Follow looks for new output.
const followEvery = 100 * time.Millisecond

// Follow writes the text of each try's new log lines to w, each prefixed
// with "[<task>.<try>] ", until done is closed (the run ended); it then writes
// what is left, a last line without its newline included. Only task's
// tries when task is not empty. It reads only the bytes added since it
// last looked.
func (d Dir) Follow(ctx context.Context, w io.Writer, dagName string, runID int64, task string, done <-chan struct{}) error {
	offsets := map[Key]int64{}
	for {
		finished := false
		select {
		case <-done:
			finished = true
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(followEvery):
		}
		for _, k := range d.Files(dagName, runID, task) {
			if err := d.printNew(w, k, offsets, finished); err != nil {
				return err
			}
		}
		if finished {
			return nil
		}
	}
}

// printNew prints the lines added to k's log since the last call; a partial
// last line waits for its end unless final.
func (d Dir) printNew(w io.Writer, k Key, offsets map[Key]int64, final bool) error {
	f, err := os.Open(d.path(k))
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(offsets[k], io.SeekStart); err != nil {
		return err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	n := len(data)
	if !final {
		n = strings.LastIndexByte(string(data), '\n') + 1
	}
	if n == 0 {
		return nil
	}
	prefix := "[" + k.Name() + "] "
	var out bytes.Buffer
	for line := range bytes.Lines(data[:n]) {
		out.WriteString(prefix)
		writeText(&out, bytes.TrimSuffix(line, []byte{'\n'}), false, nil)
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return err
	}
	offsets[k] += int64(n)
	return nil
}
