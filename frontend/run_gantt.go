package frontend

import (
	"time"

	"github.com/meshflow/meshflow/backend/workflow"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// Geometry of the timeline, in SVG units.
const (
	ganttWidth  = 900
	ganttLabelW = 170
	ganttRowH   = 24
	ganttTop    = 22 // room for the tick labels
	ganttTicks  = 4
)

// gantt lays the run's tasks out on a time axis from the run's start to its
// end, or to now while it is active. Positions are computed here, as SVG
// attributes, because the content security policy allows no inline styles.
func gantt(d workflow.RunDetail, now time.Time) pages.Gantt {
	start, end := d.Run.StartedAt, d.Run.EndedAt
	for _, t := range d.Tasks {
		if !t.StartedAt.IsZero() && (start.IsZero() || t.StartedAt.Before(start)) {
			start = t.StartedAt
		}
		if t.EndedAt.After(end) {
			end = t.EndedAt
		}
	}
	if end.IsZero() || !d.Run.State.Done() {
		end = now
	}
	total := max(end.Sub(start), time.Millisecond)
	axis := ganttWidth - ganttLabelW - 24
	x := func(t time.Time) int { return ganttLabelW + int(int64(axis)*int64(t.Sub(start))/int64(total)) }

	g := pages.Gantt{Width: ganttWidth, Height: ganttTop + len(d.Tasks)*ganttRowH, LabelW: ganttLabelW}
	for k := 0; k <= ganttTicks; k++ {
		at := start.Add(total * time.Duration(k) / ganttTicks)
		label := components.Duration(at.Sub(start))
		if k == 0 {
			label = "0"
		}
		g.Ticks = append(g.Ticks, pages.GanttTick{X: x(at), Label: label})
	}
	for i, t := range d.Tasks {
		row := pages.GanttRow{Task: shorten(t.TaskID, 24), State: string(t.State), Y: ganttTop + i*ganttRowH + 2}
		if !t.StartedAt.IsZero() && !start.IsZero() {
			stop := t.EndedAt
			if stop.IsZero() || stop.Before(t.StartedAt) {
				stop = end
			}
			row.X, row.W = x(t.StartedAt), max(x(stop)-x(t.StartedAt), 3)
			row.Title = t.TaskID + " · " + components.StateLabel(string(t.State)) + " · " + components.Duration(stop.Sub(t.StartedAt))
		}
		g.Rows = append(g.Rows, row)
	}
	return g
}
