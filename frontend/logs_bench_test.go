package frontend_test

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// BenchmarkLogPage renders a run page showing a log of 10,000 lines (one
// in ten on stderr, one in ten in colour), handler to bytes, and the
// download of the same log.
func BenchmarkLogPage(b *testing.B) {
	f := newFixtureTB(b, false)
	runID := f.addRun(b, "hello", model.RunFailed, time.Now().Add(-time.Hour), map[string]model.TaskState{
		"greet": model.TaskSuccess, "count_a": model.TaskFailed,
	})
	l := f.logs.Create(tasklog.Key{DAG: "hello", RunID: runID, Task: "count_a", Try: 1}, nil)
	for i := 1; i <= 10_000; i++ {
		switch i % 10 {
		case 0:
			fmt.Fprintf(l.Stderr(), "warn %05d: retrying\n", i)
		case 5:
			fmt.Fprintf(l.Stdout(), "\x1b[32mok %05d\x1b[0m done\n", i)
		default:
			fmt.Fprintf(l.Stdout(), "step %05d: value=42\n", i)
		}
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	id := strconv.FormatInt(runID, 10)
	for _, path := range []string{"/runs/" + id + "?task=count_a", "/runs/" + id + "/tasks/count_a/tries/1/log"} {
		b.Run(strings.TrimPrefix(path, "/"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				f.handler.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
				if rec.Code != 200 {
					b.Fatalf("%s = %d", path, rec.Code)
				}
				if !strings.Contains(rec.Body.String(), "10000") {
					b.Fatalf("%s lacks the last line", path)
				}
			}
		})
	}
}
