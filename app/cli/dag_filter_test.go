package cli

import (
	"strings"
	"testing"
)

// dag list and dag runs filter as the web UI's lists do, with the same
// values and the same refusals.
func TestDAGListAndRunsFilter(t *testing.T) {
	dir := t.TempDir()
	if out, err := runIn(t.Context(), dir, "dag", "test", "hello"); err != nil {
		t.Fatalf("dag test hello: %v\n%s", err, out)
	}
	if _, err := runIn(t.Context(), dir, "dag", "test", "cleanup-on-failure"); err == nil {
		t.Fatal("cleanup-on-failure did not fail")
	}
	for _, tt := range []struct {
		args          []string
		want, notWant string
	}{
		{[]string{"dag", "list", "--name", "HEL"}, "hello", "retry-demo"},
		{[]string{"dag", "list", "--status", "paused"}, "NAME", "hello"},
		{[]string{"dag", "runs"}, "cleanup-on-failure", "no runs"},
		{[]string{"dag", "runs", "--state", "failed"}, "cleanup-on-failure", "hello"},
		{[]string{"dag", "runs", "hello", "--trigger", "cli,api"}, "hello", "cleanup-on-failure"},
		{[]string{"dag", "runs", "--tag", "example", "--state", "success"}, "hello", "cleanup-on-failure"},
	} {
		out, err := runIn(t.Context(), dir, tt.args...)
		if err != nil || !strings.Contains(out, tt.want) || strings.Contains(out, tt.notWant) {
			t.Errorf("%s: %v\n%s\nwant %q and no %q", strings.Join(tt.args, " "), err, out, tt.want, tt.notWant)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"dag", "runs", "--from", "2000-01-01", "--to", "2000-01-02"}, "no runs match these filters"},
		{[]string{"dag", "runs", "--tag", "nope"}, "no runs match these filters"},
		{[]string{"dag", "runs", "--state", "lost"}, `--state "lost" is not one of queued, running, success, failed, cancelled`},
		{[]string{"dag", "runs", "--from", "yesterday"}, `--from "yesterday" is not a date: write it as 2026-12-01`},
		{[]string{"dag", "list", "--status", "on"}, `--status "on" is not one of active, paused`},
	} {
		if _, err := runIn(t.Context(), dir, tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
}
