package ops

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/dag"
)

// Wait pauses for a duration, or until a time of day or an instant.
type Wait struct{ Clock clock.Clock }

var _ Op = Wait{}

func (Wait) Spec() dag.OpSpec {
	return dag.OpSpec{
		Name:        "wait",
		Description: "Waits for a duration, or until a time.",
		InProcess:   true,
		Args: []dag.ArgSpec{
			{Name: "duration", Type: dag.ArgDuration, Description: "How long to wait, e.g. 90s or 1h30m."},
			{Name: "until", Type: dag.ArgString, Description: "A time of day (15:04, next occurrence) or an RFC 3339 instant."},
		},
	}
}

func (w Wait) Run(ctx context.Context, t *Task) (map[string]string, error) {
	d, err := w.delay(t.Args)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(t.Log, "waiting %s\n", d.Round(time.Second))
	timer := w.Clock.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C():
		return nil, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// delay works out how long to wait from the arguments.
func (w Wait) delay(args map[string]any) (time.Duration, error) {
	d, err := argDuration(args, "duration")
	if err != nil {
		return 0, err
	}
	until, err := argString(args, "until")
	if err != nil {
		return 0, err
	}
	now := w.Clock.Now()
	switch {
	case d > 0 && until != "":
		return 0, errors.New("wait: give either with.duration or with.until, not both")
	case d > 0:
		return d, nil
	case until == "":
		return 0, errors.New("wait: set with.duration (e.g. 5m) or with.until (e.g. 18:00)")
	}
	if at, err := time.Parse(time.RFC3339, until); err == nil {
		return max(at.Sub(now), 0), nil
	}
	tod, err := time.ParseInLocation("15:04", until, now.Location())
	if err != nil {
		return 0, fmt.Errorf("wait: with.until %q is neither a time of day like 18:00 nor an instant like 2026-01-02T15:04:05Z", until)
	}
	next := time.Date(now.Year(), now.Month(), now.Day(), tod.Hour(), tod.Minute(), 0, 0, now.Location())
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	return next.Sub(now), nil
}
