// Package auth signs browsers in to meshflow's web UI. `serve` prints, and
// `meshflow login` mints, a one-time login link; the browser exchanges it
// for a session, which the database keeps by the hash of its id.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/model"
)

const (
	// LinkTTL is how long a login link works if nobody uses it. Long
	// enough to read the terminal and click, short enough that a link left
	// in a scrollback buffer or a shell history is dead by the time
	// someone else finds it.
	LinkTTL = 15 * time.Minute
	// SessionTTL is how long a browser stays signed in, counted from the
	// sign-in: a month of daily use without a new link.
	SessionTTL = 30 * 24 * time.Hour
	// maxPending bounds the unused links kept in memory; minting more
	// drops the oldest, so a loop of `meshflow login` cannot grow memory.
	maxPending = 32
)

// Store keeps sessions. Only hashes of session ids reach it.
type Store interface {
	AddSession(ctx context.Context, idHash string, created, expires time.Time) error
	// SessionExpiry reports false for an unknown session.
	SessionExpiry(ctx context.Context, idHash string) (time.Time, bool, error)
	DeleteSession(ctx context.Context, idHash string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) error
}

// Auth issues login links and the sessions they are exchanged for. Links
// live in memory: they are meant to be used within minutes, and serve
// prints a fresh one whenever it starts.
type Auth struct {
	store Store
	clock clock.Clock

	mu      sync.Mutex
	pending []link // oldest first
}

// link is an unused login token, known only by its hash.
type link struct {
	hash    [sha256.Size]byte
	expires time.Time
}

// New returns an Auth keeping sessions in st.
func New(st Store, clk clock.Clock) *Auth {
	return &Auth{store: st, clock: clk}
}

// NewLoginToken returns a token that signs one browser in, once, within
// LinkTTL.
func (a *Auth) NewLoginToken() string {
	token := rand.Text()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dropExpired()
	if len(a.pending) >= maxPending {
		a.pending = slices.Delete(a.pending, 0, len(a.pending)-maxPending+1)
	}
	a.pending = append(a.pending, link{hash: sha256.Sum256([]byte(token)), expires: a.clock.Now().Add(LinkTTL)})
	return token
}

// Redeem exchanges a login token for a new session id, which expires at
// the time returned. A token works once: an unknown, used or expired one
// is refused with model.ErrInvalid.
func (a *Auth) Redeem(ctx context.Context, token string) (string, time.Time, error) {
	if !a.take(token) {
		return "", time.Time{}, model.Errorf(model.ErrInvalid, "this login link is unknown, used already or expired")
	}
	now := a.clock.Now()
	// Sweeping here keeps the table small without a timer of its own.
	if err := a.store.DeleteExpiredSessions(ctx, now); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: %w", err)
	}
	id := rand.Text()
	expires := now.Add(SessionTTL)
	if err := a.store.AddSession(ctx, hashHex(id), now, expires); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: %w", err)
	}
	return id, expires, nil
}

// take removes the pending link matching token and reports whether there
// was one. Every pending hash is compared, in constant time, so the time
// taken says nothing about how close a guess came.
func (a *Auth) take(token string) bool {
	if token == "" {
		return false
	}
	h := sha256.Sum256([]byte(token))
	a.mu.Lock()
	defer a.mu.Unlock()
	a.dropExpired()
	found := -1
	for i, l := range a.pending {
		if subtle.ConstantTimeCompare(h[:], l.hash[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return false
	}
	a.pending = slices.Delete(a.pending, found, found+1)
	return true
}

// dropExpired forgets links past their time; a.mu is held.
func (a *Auth) dropExpired() {
	now := a.clock.Now()
	a.pending = slices.DeleteFunc(a.pending, func(l link) bool { return !now.Before(l.expires) })
}

// Check reports whether id names a live session.
func (a *Auth) Check(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	expires, ok, err := a.store.SessionExpiry(ctx, hashHex(id))
	if err != nil {
		return false, fmt.Errorf("auth: %w", err)
	}
	return ok && a.clock.Now().Before(expires), nil
}

// End signs the session out; ending an unknown session is no error.
func (a *Auth) End(ctx context.Context, id string) error {
	if id == "" {
		return nil
	}
	if err := a.store.DeleteSession(ctx, hashHex(id)); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	return nil
}

// hashHex is what the store keeps of a session id. The id is random and
// long, so a plain hash suffices: there is nothing to brute-force.
func hashHex(id string) string {
	h := sha256.Sum256([]byte(id))
	return hex.EncodeToString(h[:])
}
