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

// TestSecretNameMustBeALiteral: {{ secret (secret "canary") }} once stored
// "no secret CANARY-…" as the task's error, the inner secret in the clear.
func TestSecretNameMustBeALiteral(t *testing.T) {
	tests := []struct {
		tmpl    string
		refused bool
	}{
		{`{{ secret "token" }}`, false},
		{`{{ "token" | secret }}`, false},
		{`{{ secret "token" | quote }}`, false},
		{`{{ printf "%s" (secret "token") }}`, false},
		{`{{ if .params.p }}{{ secret "a" }}{{ else }}{{ secret "b" }}{{ end }}`, false},
		{`{{ secret (secret "canary") }}`, true},
		{`{{ secret "canary" | secret }}`, true},
		{`{{ secret .params.p }}`, true},
		{`{{ .params.p | secret }}`, true},
		{`{{ secret (printf "%s" "x") }}`, true},
		{`{{ printf "%s" (secret .params.p) }}`, true},
		{`{{ define "x" }}{{ secret . }}{{ end }}{{ template "x" "a" }}`, true},
		{`{{ with $n := "a" }}{{ secret $n }}{{ end }}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.tmpl, func(t *testing.T) {
			got := loadErr(t, "params: {p: {default: a}}\ntasks:\n  - {id: a, op: shell, with: {command: '"+strings.ReplaceAll(tt.tmpl, "'", "''")+"'}, when: '"+strings.ReplaceAll(tt.tmpl, "'", "''")+"'}\n")
			if refused := strings.Contains(got, "secret must be given its name as a quoted string"); refused != tt.refused {
				t.Errorf("refused = %v, want %v; errors:\n%s", refused, tt.refused, got)
			}
			if tt.refused && strings.Count(got, "quoted string") != 2 {
				t.Errorf("want the problem in with.command and in when:\n%s", got)
			}
		})
	}
}
