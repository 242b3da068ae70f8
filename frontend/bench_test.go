package frontend_test

import (
	"net/http/httptest"
	"testing"

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
