package frontend

import (
	"crypto/rand"
	"sync"

	"github.com/meshflow/meshflow/frontend/pages"
)

// maxFlashes bounds the messages kept for redirects; the oldest go first.
const maxFlashes = 128

// flashes keeps the one-line outcome of an action ("task greet is running;
// cancel the run first") for the page the action redirects to. The page
// URL carries only a random token, so a link made elsewhere cannot put
// words on a meshflow page, and no cookie is needed (the desktop window's
// custom scheme keeps none).
type flashes struct {
	mu    sync.Mutex
	byKey map[string]pages.Flash
	order []string
}

func newFlashes() *flashes { return &flashes{byKey: map[string]pages.Flash{}} }

// add keeps f and returns the token that shows it.
func (fl *flashes) add(f pages.Flash) string {
	key := rand.Text()[:16]
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if len(fl.order) >= maxFlashes {
		delete(fl.byKey, fl.order[0])
		fl.order = fl.order[1:]
	}
	fl.byKey[key] = f
	fl.order = append(fl.order, key)
	return key
}

// get returns the message of token; the zero Flash for an unknown one.
func (fl *flashes) get(key string) pages.Flash {
	if key == "" {
		return pages.Flash{}
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.byKey[key]
}
