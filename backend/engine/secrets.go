package engine

import (
	"slices"
	"sync"

	"github.com/meshflow/meshflow/backend/dag"
	"github.com/meshflow/meshflow/backend/tasklog"
)

// runSecrets is every secret value a run has resolved. Each try of the run
// gets all of them to mask, not just the ones its own templates used: a
// task that cats a file an upstream task wrote a secret into must not
// print it in the clear. The engine masks the errors and outputs it
// records with them too, so no secret reaches the store or its WAL.
//
// It is safe for concurrent use, so templates can be rendered off the
// engine's loop.
type runSecrets struct {
	mu     sync.Mutex
	loaded bool
	values []string // replaced, never changed in place: attempts share it
	masker *tasklog.Masker
}

// secrets returns run ar's secret set. The first call for a run — when it
// starts, or is resumed after a restart — resolves every secret its DAG
// names, before any of its tasks runs in this process.
func (e *Engine) secrets(ar *activeRun) *runSecrets {
	ar.secrets.load(ar.dag, e.opts.Secret)
	return &ar.secrets
}

// load resolves the secrets d names, once. A name that does not resolve is
// left out: the template naming it fails with the lookup's error when it
// renders.
func (s *runSecrets) load(d *dag.DAG, lookup dag.SecretFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		return
	}
	s.loaded = true
	if lookup == nil {
		return
	}
	var found []string
	for _, name := range dag.SecretNames(d) {
		if v, err := lookup(name); err == nil {
			found = append(found, v)
		}
	}
	s.addLocked(found)
}

// add records values a render resolved, failed renders included.
func (s *runSecrets) add(values []string) {
	if len(values) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addLocked(values)
}

func (s *runSecrets) addLocked(values []string) {
	next := s.values
	for _, v := range values {
		if v != "" && !slices.Contains(next, v) {
			next = append(slices.Clip(next), v)
		}
	}
	if len(next) != len(s.values) {
		s.values, s.masker = next, tasklog.NewMasker(next)
	}
}

// list is the values for an attempt to mask.
func (s *runSecrets) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values
}

// mask hides the run's secrets in an error the engine records.
func (s *runSecrets) mask(text string) string {
	s.mu.Lock()
	m := s.masker
	s.mu.Unlock()
	return m.String(text)
}

// maskOutputs hides the run's secrets in a task's outputs. An executor
// masks them already, with the secrets it was given; this holds for
// executors elsewhere too, and for secrets the run resolved meanwhile.
func (s *runSecrets) maskOutputs(outputs map[string]string) map[string]string {
	s.mu.Lock()
	m := s.masker
	s.mu.Unlock()
	return m.Map(outputs)
}
