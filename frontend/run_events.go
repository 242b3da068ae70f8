package frontend

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/meshflow/meshflow/frontend/pages"
)

// streamBeat is how often a stream looks again without being told: the
// timeline grows and logs fill between the engine's writes, and the
// comment it sends at least keeps proxies from closing an idle stream.
const streamBeat = 2 * time.Second

// streams reports whether live pages stream their changes. The desktop
// shell on Windows buffers whole responses, so there they poll instead.
func (h *Handler) streams() bool {
	windowsShell := h.info.Desktop && runtime.GOOS == "windows"
	return h.events != nil && !windowsShell
}

// runEvents streams a run's live parts as server-sent events while it is
// active: "summary", "tasks", "gantt" and "logs", each the part's HTML,
// sent when it changes. Once the run has ended it sends "done", the final
// run-live markup, which no longer listens, and ends the stream.
func (h *Handler) runEvents(w http.ResponseWriter, r *http.Request) {
	runID, ok := h.runID(w, r)
	if !ok {
		return
	}
	if h.events == nil {
		http.Error(w, "this server does not stream; reload the page", http.StatusNotFound)
		return
	}
	changed, cancel := h.events.Subscribe(runID) // before the first read: miss nothing
	defer cancel()
	filter := r.URL.Query().Get("task")
	look := func(ctx context.Context) (liveView, error) {
		d, err := h.flows.RunDetail(ctx, runID)
		if err != nil {
			return liveView{}, err
		}
		p := h.runPage(d, filter)
		if d.Run.State.Done() {
			return liveView{done: pages.RunLive(p)}, nil
		}
		return liveView{parts: []streamPart{
			{"summary", pages.RunSummary(p)},
			{"tasks", pages.RunTasks(p)},
			{"gantt", pages.RunTimeline(p)},
			{"logs", pages.RunLogs(p)},
		}}, nil
	}
	h.stream(w, r, "run "+id(runID), changed, look)
}

// streamPart is one part of a live page, sent as the event it names.
type streamPart struct {
	name string
	c    templ.Component
}

// liveView is what a stream sends each time it looks: the parts, or, once
// there is nothing left to watch, done, the final markup.
type liveView struct {
	parts []streamPart
	done  templ.Component
}

// stream answers with server-sent events: look's parts when they change,
// after each signal on changed (nil: none) and every streamBeat, until
// look says done or the browser goes away. what names what is watched,
// for errors: "run 12".
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, what string, changed <-chan struct{}, look func(context.Context) (liveView, error)) {
	ctx := r.Context()
	v, err := look(ctx)
	if err != nil {
		h.fail(w, r, "read "+what, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/event-stream")
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Accel-Buffering", "no") // nginx: do not hold the stream back
	w.WriteHeader(http.StatusOK)

	s := &sseWriter{w: w, sent: map[string]string{}}
	beat := time.NewTicker(streamBeat)
	defer beat.Stop()
	for {
		if v.done != nil {
			// The page closes its EventSource on this event, before the
			// response ends, so the end is no error to the browser.
			s.event(ctx, "done", v.done)
			s.flush()
			return
		}
		sent := false
		for _, p := range v.parts {
			sent = s.event(ctx, p.name, p.c) || sent
		}
		if !sent {
			s.comment("beat")
		}
		s.flush()
		if s.err != nil {
			if ctx.Err() == nil {
				h.logger.Error("stream a live page", "of", what, "err", s.err)
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-beat.C:
		}
		if v, err = look(ctx); err != nil {
			if ctx.Err() == nil {
				h.logger.Error("stream a live page", "of", what, "err", err)
			}
			return
		}
	}
}

// sseWriter writes server-sent events, skipping an event whose data is
// what was last sent under its name. The first write error sticks.
type sseWriter struct {
	w    http.ResponseWriter
	sent map[string]string // event name → data last sent
	buf  bytes.Buffer
	err  error
}

// event renders c and sends it as the named event if it changed, saying
// whether it did.
func (s *sseWriter) event(ctx context.Context, name string, c templ.Component) bool {
	s.buf.Reset()
	if err := c.Render(ctx, &s.buf); err != nil {
		s.err = cmp.Or(s.err, fmt.Errorf("render %s: %w", name, err))
		return false
	}
	data := s.buf.String()
	if s.sent[name] == data {
		return false
	}
	s.sent[name] = data
	var out strings.Builder
	out.WriteString("event: " + name + "\n")
	// A line break ends a data line; the browser joins the lines with "\n".
	// Browsers also break event-stream lines at a lone "\r" (progress bars
	// print them), which would split a line and could start a new field:
	// normalise as the HTML parser does for the non-streamed page.
	data = strings.ReplaceAll(strings.ReplaceAll(data, "\r\n", "\n"), "\r", "\n")
	for line := range strings.Lines(data) {
		out.WriteString("data: " + strings.TrimRight(line, "\r\n") + "\n")
	}
	out.WriteString("\n")
	s.write(out.String())
	return true
}

func (s *sseWriter) comment(text string) { s.write(": " + text + "\n\n") }

func (s *sseWriter) write(text string) {
	if s.err != nil {
		return
	}
	_, s.err = s.w.Write([]byte(text))
}

// flush sends what was written; not every ResponseWriter can (the desktop
// shell's may buffer it all).
func (s *sseWriter) flush() {
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
}
