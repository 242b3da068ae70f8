package auth_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/meshflow/meshflow/backend/auth"
	"github.com/meshflow/meshflow/backend/clock"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/store"
)

func newAuth(t *testing.T) (*auth.Auth, *clock.Fake, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meshflow.db")
	st, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	return auth.New(st, clk), clk, path
}

func TestLoginTokenSignsInOnce(t *testing.T) {
	a, _, _ := newAuth(t)
	ctx := t.Context()
	token := a.NewLoginToken()
	id, expires, err := a.Redeem(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := a.Check(ctx, id); err != nil || !ok {
		t.Fatalf("new session not valid: %t, %v", ok, err)
	}
	if want := time.Date(2026, 3, 31, 9, 0, 0, 0, time.UTC); !expires.Equal(want) {
		t.Errorf("session expires %v, want %v", expires, want)
	}
	if _, _, err := a.Redeem(ctx, token); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("second use of a token: %v, want ErrInvalid", err)
	}
}

func TestWrongAndExpiredTokensAreRefused(t *testing.T) {
	a, clk, _ := newAuth(t)
	ctx := t.Context()
	token := a.NewLoginToken()
	for _, bad := range []string{"", "nope", token[:len(token)-1], token + "x"} {
		if _, _, err := a.Redeem(ctx, bad); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("token %q: %v, want ErrInvalid", bad, err)
		}
	}
	// Wrong guesses do not use the real token up.
	if _, _, err := a.Redeem(ctx, token); err != nil {
		t.Fatalf("real token after wrong guesses: %v", err)
	}
	late := a.NewLoginToken()
	clk.Advance(auth.LinkTTL)
	if _, _, err := a.Redeem(ctx, late); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("token after %v: %v, want ErrInvalid", auth.LinkTTL, err)
	}
}

// Minting links without using them keeps only the newest few.
func TestUnusedLinksAreBounded(t *testing.T) {
	a, _, _ := newAuth(t)
	first := a.NewLoginToken()
	var last string
	for range 100 {
		last = a.NewLoginToken()
	}
	if _, _, err := a.Redeem(t.Context(), first); !errors.Is(err, model.ErrInvalid) {
		t.Errorf("oldest of 101 links still works: %v", err)
	}
	if _, _, err := a.Redeem(t.Context(), last); err != nil {
		t.Errorf("newest link refused: %v", err)
	}
}

func TestSessionsExpireEndAndSurviveRestart(t *testing.T) {
	a, clk, path := newAuth(t)
	ctx := t.Context()
	id, _, err := a.Redeem(ctx, a.NewLoginToken())
	if err != nil {
		t.Fatal(err)
	}
	// A copy of the database must sign no one in: it holds only hashes.
	for _, f := range []string{path, path + "-wal"} {
		if data, err := os.ReadFile(f); err == nil && bytes.Contains(data, []byte(id)) {
			t.Fatalf("%s holds the session id in the clear", filepath.Base(f))
		}
	}
	// A new Auth over the same database file is a restarted serve.
	st2, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	restarted := auth.New(st2, clk)
	if ok, err := restarted.Check(ctx, id); err != nil || !ok {
		t.Fatalf("session after restart: %t, %v", ok, err)
	}
	for _, bad := range []string{"", "forged", id + "x"} {
		if ok, _ := restarted.Check(ctx, bad); ok {
			t.Errorf("session id %q accepted", bad)
		}
	}
	other, _, err := a.Redeem(ctx, a.NewLoginToken())
	if err != nil {
		t.Fatal(err)
	}
	if err := restarted.End(ctx, other); err != nil {
		t.Fatal(err)
	}
	if ok, _ := a.Check(ctx, other); ok {
		t.Error("ended session still valid")
	}
	clk.Advance(auth.SessionTTL)
	if ok, _ := a.Check(ctx, id); ok {
		t.Errorf("session valid after %v", auth.SessionTTL)
	}
}
