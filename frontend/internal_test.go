package frontend

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/a-h/templ"
)

// A carriage return in a fragment (a progress bar in a task's log) must not
// break the event stream into new lines or fields.
func TestSSEEventNormalisesCarriageReturns(t *testing.T) {
	rec := httptest.NewRecorder()
	s := &sseWriter{w: rec, sent: map[string]string{}}
	c := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, "<pre>10%\revent: done\r\ndata: x</pre>")
		return err
	})
	if !s.event(context.Background(), "logs", c) {
		t.Fatal("event not sent")
	}
	got := rec.Body.String()
	if strings.Contains(got, "\r") {
		t.Fatalf("stream holds a carriage return: %q", got)
	}
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if line != "event: logs" && !strings.HasPrefix(line, "data: ") {
			t.Errorf("line %q is neither the event name nor data", line)
		}
	}
}

func TestLogTailShrinksWithManyTasks(t *testing.T) {
	if got, lines := tailFor(1, false); got != logTail || lines != pageLogLines {
		t.Errorf("one task: %d bytes, %d lines, want %d, %d", got, lines, logTail, pageLogLines)
	}
	if got, _ := tailFor(300, false); got != minLogTail || 300*got > 2*pageLogBudget+300*minLogTail {
		t.Errorf("300 tasks: %d each", got)
	}
	if got, lines := tailFor(300, true); got != logTail || lines != logLines {
		t.Errorf("filtered: %d bytes, %d lines, want the full tail", got, lines)
	}
}

// A small DAG's grid shows 80 runs a page; a DAG of many tasks fewer, so a
// page stays near 2,500 cells, but never fewer than 25 runs.
func TestGridPageSizeKeepsPagesBounded(t *testing.T) {
	for tasks, want := range map[int]int{0: 80, 5: 80, 31: 80, 50: 50, 100: 25, 10_000: 25} {
		if got := gridPageSize(tasks); got != want {
			t.Errorf("gridPageSize(%d) = %d, want %d", tasks, got, want)
		}
	}
}
