package cloud

import "sync"

// keyedLock is a mutex per key, kept only while someone holds or waits
// for it.
type keyedLock struct {
	mu   sync.Mutex
	keys map[string]*keyed
}

type keyed struct {
	sync.Mutex
	users int
}

// lock locks key and returns its unlock.
func (l *keyedLock) lock(key string) (unlock func()) {
	l.mu.Lock()
	if l.keys == nil {
		l.keys = map[string]*keyed{}
	}
	k := l.keys[key]
	if k == nil {
		k = &keyed{}
		l.keys[key] = k
	}
	k.users++
	l.mu.Unlock()
	k.Lock()
	return func() {
		k.Unlock()
		l.mu.Lock()
		if k.users--; k.users == 0 {
			delete(l.keys, key)
		}
		l.mu.Unlock()
	}
}
