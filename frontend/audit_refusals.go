package frontend

import (
	"fmt"
	"net/http"
	"sync"
	"time"
)

// refusalWindow is how often a source's refused requests get a row each.
const refusalWindow = time.Minute

// maxRefusalSources bounds the sources tracked at once; beyond it, those
// whose window has passed are forgotten.
const maxRefusalSources = 1024

// refusals thins out the audit rows of requests refused before any
// handler ran (no session, another site's origin): a flood of them from
// one source would otherwise add a row each. The first in a window gets a
// row; the rest are counted, and the count gets a row of its own with the
// source's next refusal after the window.
type refusals struct {
	mu       sync.Mutex
	bySource map[string]*refused
}

type refused struct {
	since   time.Time // when the window began
	skipped int       // refusals in it without a row
}

func newRefusals() *refusals { return &refusals{bySource: map[string]*refused{}} }

// refusedBeforeHandler tells the refusals the middleware answers itself.
func refusedBeforeHandler(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden
}

// admit says whether a refusal from source at now gets its own row, and
// summary, if not empty, is the row's target for the count of the window
// that just ended.
func (rf *refusals) admit(source string, now time.Time) (record bool, summary string) {
	rf.mu.Lock()
	defer rf.mu.Unlock()
	w, ok := rf.bySource[source]
	if ok && now.Sub(w.since) < refusalWindow {
		w.skipped++
		return false, ""
	}
	if ok && w.skipped > 0 {
		summary = fmt.Sprintf("%d more refused requests, not recorded one by one, in the %s from %s",
			w.skipped, refusalWindow, w.since.UTC().Format(time.RFC3339))
	}
	if !ok && len(rf.bySource) >= maxRefusalSources {
		for s, old := range rf.bySource {
			if now.Sub(old.since) >= refusalWindow {
				delete(rf.bySource, s)
			}
		}
	}
	rf.bySource[source] = &refused{since: now}
	return true, summary
}
