package frontend_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

// BenchmarkPages measures full page renders, handler to bytes, over a
// database holding 10,000 audit events.
func BenchmarkPages(b *testing.B) {
	f := newBenchFixture(b)
	for _, path := range []string{"/", "/settings", "/audit", "/audit?outcome=refused&target=nothing-like-it", "/vms"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				rec := httptest.NewRecorder()
				f.handler.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatalf("%s = %d", path, rec.Code)
				}
			}
		})
	}
}

func newBenchFixture(b *testing.B) *fixture {
	b.Helper()
	f := newFixtureTB(b, false)
	for range 10_000 {
		if _, err := f.store.AddAuditEvent(b.Context(), model.AuditEvent{
			Action: model.ActionSettingsSave, Target: model.AuditTarget{Kind: model.TargetSettings, ID: "preferences"},
			Source: model.SourceUI, Address: "127.0.0.1", Outcome: model.OutcomeDone,
		}); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// benchListRuns is how many runs the list and Overview benchmarks hold: a
// few weeks of a handful of DAGs. Each page must render in under 2 ms.
const benchListRuns = 320

// BenchmarkRunList measures the runs list, unfiltered and filtered, over
// 320 runs of three DAGs, one in ten failed.
func BenchmarkRunList(b *testing.B) {
	f := newRunsFixture(b)
	from := time.Now().AddDate(0, 0, -7).UTC().Format("2006-01-02")
	benchPages(b, f, []string{
		"/runs", "/runs?state=failed", "/runs?dag=hello", "/dags",
		"/runs?tag=reports&state=failed&trigger=manual&from=" + from + "&tz=UTC", "/dags?q=el&status=active",
	})
}

// BenchmarkOverview measures the home page over the same runs.
func BenchmarkOverview(b *testing.B) {
	f := newRunsFixture(b)
	benchPages(b, f, []string{"/"})
}

// newRunsFixture records benchListRuns runs through the store, spread over
// the last 14 days; the newest few are still running.
func newRunsFixture(b *testing.B) *fixture {
	b.Helper()
	f := newFixtureTB(b, false)
	names := []string{"hello", "nightly", "report"}
	start := time.Now().Add(-14 * 24 * time.Hour)
	step := 14 * 24 * time.Hour / benchListRuns
	for i := range benchListRuns {
		state := model.RunSuccess
		switch {
		case i >= benchListRuns-3:
			state = model.RunRunning
		case i%10 == 0:
			state = model.RunFailed
		}
		f.addRun(b, names[i%len(names)], state, start.Add(time.Duration(i)*step), nil)
	}
	return f
}
