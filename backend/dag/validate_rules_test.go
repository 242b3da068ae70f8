package dag

import (
	"strings"
	"testing"
)

// loadErr loads src and returns its error text, "" when it loads.
func loadErr(t *testing.T, src string) string {
	t.Helper()
	_, err := Load("r.yaml", []byte(src), newTestCatalog())
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestScheduledRequiredParam(t *testing.T) {
	const refused = "required with no default, but the DAG has a schedule"
	tests := []struct {
		name, head string
		refused    bool
	}{
		{"scheduled", `schedule: "0 2 * * *"`, true},
		{"descriptor", `schedule: "@every 1h"`, true},
		{"manual only", `schedule: "@manual"`, false},
		{"unscheduled", ``, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loadErr(t, tt.head+`
params:
  ticket: {required: true}
tasks:
  - {id: a, op: noop}
`)
			if strings.Contains(got, refused) != tt.refused {
				t.Errorf("refused = %v, want %v; errors:\n%s", !tt.refused, tt.refused, got)
			}
			if tt.refused && !strings.HasPrefix(got, "r.yaml:3:3: ") {
				t.Errorf("error does not point at the param: %s", got)
			}
		})
	}
}

func TestInvalidScheduleIsReportedOnce(t *testing.T) {
	got := loadErr(t, "schedule: \"61 * * * *\"\nparams:\n  ticket: {required: true}\ntasks:\n  - {id: a, op: noop}\n")
	if strings.Contains(got, "required with no default") || !strings.Contains(got, "invalid schedule") {
		t.Errorf("want only the schedule error, got:\n%s", got)
	}
}
