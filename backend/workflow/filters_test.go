package workflow

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/model"
)

func TestParseRunFilter(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseRunFilter(url.Values{
		"dag": {"etl"}, "state": {"failed,cancelled"}, "trigger": {"schedule", "api"},
		"from": {"2026-12-01"}, "to": {"2026-12-03"}, "tz": {"America/New_York"},
	}, berlin)
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if f.DAG != "etl" || len(f.States) != 2 || len(f.Triggers) != 2 {
		t.Errorf("filter = %+v", f)
	}
	// The days are New York's, the last one included.
	if want := time.Date(2026, 12, 1, 0, 0, 0, 0, ny); !f.From.Equal(want) {
		t.Errorf("from = %v, want %v", f.From, want)
	}
	if want := time.Date(2026, 12, 4, 0, 0, 0, 0, ny); !f.To.Equal(want) {
		t.Errorf("to = %v, want %v", f.To, want)
	}
	// Without tz, the zone given is used.
	if f, _ := ParseRunFilter(url.Values{"from": {"2026-12-01"}}, berlin); !f.From.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, berlin)) {
		t.Errorf("from without tz = %v, want Berlin's midnight", f.From)
	}

	for _, tt := range []struct{ query, want string }{
		{"state=lost", `state "lost" is not one of queued, running, success, failed, cancelled`},
		{"trigger=cron", `trigger "cron" is not one of schedule, manual, cli, api, dag`},
		{"from=1.12.2026", `from "1.12.2026" is not a date: write it as 2026-12-01`},
		{"to=tomorrow", `to "tomorrow" is not a date`},
		{"from=2026-12-03&to=2026-12-01", "from 2026-12-03 comes after to 2026-12-01"},
		{"tz=Mars/Olympus", `tz "Mars/Olympus" is not a time zone`},
	} {
		q, _ := url.ParseQuery(tt.query)
		_, err := ParseRunFilter(q, time.UTC)
		if !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want ErrInvalid saying %q", tt.query, err, tt.want)
		}
	}
}

func TestDAGFilter(t *testing.T) {
	dags := []DAG{
		{Name: "etl-daily", Tags: []string{"etl"}},
		{Name: "ETL-backfill", Tags: []string{"etl", "slow"}, Paused: true},
		{Name: "report", Tags: []string{"reports"}},
	}
	names := func(ds []DAG) string {
		var n []string
		for _, d := range ds {
			n = append(n, d.Name)
		}
		return strings.Join(n, " ")
	}
	for _, tt := range []struct{ query, want string }{
		{"", "etl-daily ETL-backfill report"},
		{"q=etl", "etl-daily ETL-backfill"},
		{"q=Back", "ETL-backfill"},
		{"tag=etl&status=active", "etl-daily"},
		{"status=paused", "ETL-backfill"},
		{"tag=et", ""},
	} {
		q, _ := url.ParseQuery(tt.query)
		f, err := ParseDAGFilter(q)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(f.Filter(dags)); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.query, got, tt.want)
		}
	}
	if _, err := ParseDAGFilter(url.Values{"status": {"on"}}); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("status=on: %v, want ErrInvalid", err)
	}
}
