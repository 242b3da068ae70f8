package store

import (
	"path/filepath"
	"testing"
	"time"
)

// A session outlives the process that created it, and expired ones can be
// swept without touching the others.
func TestSessionsSurviveReopenAndExpire(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "meshflow.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(time.Now().UnixMilli())
	if err := s.AddSession(ctx, "live", now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSession(ctx, "old", now.Add(-2*time.Hour), now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if exp, ok, err := s.SessionExpiry(ctx, "live"); err != nil || !ok || !exp.Equal(now.Add(time.Hour)) {
		t.Fatalf("live session after reopen = %v, %t, %v", exp, ok, err)
	}
	if err := s.DeleteExpiredSessions(ctx, now); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.SessionExpiry(ctx, "old"); err != nil || ok {
		t.Fatalf("expired session still stored (%t, %v)", ok, err)
	}
	if err := s.DeleteSession(ctx, "live"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.SessionExpiry(ctx, "live"); ok {
		t.Fatal("deleted session still stored")
	}
	if err := s.DeleteSession(ctx, "never"); err != nil {
		t.Fatalf("delete unknown session: %v", err)
	}
}
