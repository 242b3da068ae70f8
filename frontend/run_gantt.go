package frontend

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// Geometry of the timeline, in SVG units.
const (
	ganttWidth    = 900
	ganttLabelW   = 170
	ganttRowH     = 24
	ganttTop      = 22 // room for the tick labels
	ganttMaxTicks = 6
)

// gantt lays every try of the run's tasks out on a time axis from the first
// start to the last end, or to now while the run is active: failed tries,
// the delay before each retry, and the last try. Positions are computed
// here, as SVG attributes, because the content security policy allows no
// inline styles. A run that has not started draws nothing and says why.
func gantt(d workflow.RunDetail, now time.Time) pages.Gantt {
	tries := make([][]model.Try, len(d.Tasks))
	var start, end time.Time
	for i, t := range d.Tasks {
		tries[i] = d.TriesOf(t)
		for _, try := range tries[i] {
			if !try.StartedAt.IsZero() && (start.IsZero() || try.StartedAt.Before(start)) {
				start = try.StartedAt
			}
			end = later(end, try.EndedAt)
		}
	}
	if start.IsZero() {
		why := "Nothing has started yet."
		if d.Waiting != "" {
			why = "The run has not started. " + d.Waiting
		}
		return pages.Gantt{Empty: why}
	}
	if !d.Run.State.Done() {
		end = later(end, now)
	}
	total := max(end.Sub(start), time.Millisecond)
	axis := ganttWidth - ganttLabelW - 24
	x := func(t time.Time) int { return ganttLabelW + int(int64(axis)*int64(t.Sub(start))/int64(total)) }

	g := pages.Gantt{Width: ganttWidth, Height: ganttTop + len(d.Tasks)*ganttRowH, LabelW: ganttLabelW}
	step := tickStep(total)
	for at := time.Duration(0); at <= total; at += step {
		g.Ticks = append(g.Ticks, pages.GanttTick{X: x(start.Add(at)), Label: tickLabel(at)})
	}
	for i, t := range d.Tasks {
		row := pages.GanttRow{Task: shorten(t.TaskID, 24), Y: ganttTop + i*ganttRowH + 2, Note: d.Waits[t.TaskID]}
		for k, try := range tries[i] {
			stop := try.EndedAt
			if stop.IsZero() || stop.Before(try.StartedAt) {
				stop = end
			}
			row.Bars = append(row.Bars, pages.GanttBar{
				X: x(try.StartedAt), W: max(x(stop)-x(try.StartedAt), 3),
				State: tryState(try), Try: try.Try, Title: tryTitle(t, try, stop),
			})
			// The wait before the next try: until it started, or, while the
			// task waits for its retry, until now.
			next := time.Time{}
			if k+1 < len(tries[i]) {
				next = tries[i][k+1].StartedAt
			} else if t.State == model.TaskUpForRetry && t.Try == try.Try {
				next = end
			}
			if try.Failed() && !next.IsZero() && next.After(stop) {
				row.Gaps = append(row.Gaps, pages.GanttGap{
					X: x(stop), W: x(next) - x(stop),
					Title: fmt.Sprintf("%s · waited %s before try %d", t.TaskID, components.Duration(next.Sub(stop)), try.Try+1),
				})
			}
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}

// tryState is the colour of a try's bar: a try that failed and was
// retried is drawn failed, which is what it did.
func tryState(t model.Try) string {
	if t.State == model.TaskUpForRetry {
		return string(model.TaskFailed)
	}
	return string(t.State)
}

// tryTitle is the hover text of a try's bar.
func tryTitle(task model.TaskRun, t model.Try, stop time.Time) string {
	parts := []string{
		task.TaskID,
		"try " + strconv.Itoa(t.Try) + " of " + strconv.Itoa(task.MaxTries),
		components.StateLabel(tryState(t)),
	}
	if t.ExitCode != nil {
		parts = append(parts, "exit "+strconv.Itoa(*t.ExitCode))
	}
	parts = append(parts, "started "+components.TimeTitle(t.StartedAt), components.Duration(stop.Sub(t.StartedAt)))
	return strings.Join(parts, " · ")
}

// tickSteps are the round intervals the time axis is marked at.
var tickSteps = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 2 * 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour,
}

// tickStep is the smallest round interval that marks total with at most
// ganttMaxTicks intervals.
func tickStep(total time.Duration) time.Duration {
	for _, s := range tickSteps {
		if total/s <= ganttMaxTicks {
			return s
		}
	}
	last := tickSteps[len(tickSteps)-1]
	return last * (total/last/ganttMaxTicks + 1)
}

// tickLabel writes a round offset from the run's start: "0", "500 ms",
// "1.5 s", "15 s", "1 min 30 s", "2 h", "3 d".
func tickLabel(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	if d < time.Second {
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	if d < time.Minute && d%time.Second != 0 {
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
	}
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "min"}, {time.Second, "s"}}
	var parts []string
	for _, u := range units {
		if n := d / u.size; n > 0 {
			parts = append(parts, strconv.FormatInt(int64(n), 10)+" "+u.name)
			d -= n * u.size
		}
	}
	return strings.Join(parts, " ")
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
