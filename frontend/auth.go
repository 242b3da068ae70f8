package frontend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/meshflow/meshflow/frontend/pages"
)

// Sessions signs browsers in. A browser proves it belongs to whoever can
// read this installation's login links (printed by serve, minted by
// `meshflow login` with the API token) and gets a session in exchange.
type Sessions interface {
	// Redeem exchanges a one-time login token for a session id that
	// expires at the time returned. A wrong, used or expired token is
	// refused with model.ErrInvalid.
	Redeem(ctx context.Context, token string) (id string, expires time.Time, err error)
	// Check reports whether id names a live session.
	Check(ctx context.Context, id string) (bool, error)
	// End signs a session out.
	End(ctx context.Context, id string) error
}

// sessionCookie names the session cookie after the data dir. Browsers keep
// cookies per host, not per port, so two meshflow instances on
// 127.0.0.1:8080 and :8081 would otherwise sign each other out; the same
// data dir served on another port keeps its sessions, and its name.
func sessionCookie(dataDir string) string {
	sum := sha256.Sum256([]byte(dataDir))
	return "meshflow_session_" + hex.EncodeToString(sum[:6])
}

// session returns the request's session id if it names a live session.
func (h *Handler) session(r *http.Request) (string, bool, error) {
	c, err := r.Cookie(h.cookie)
	if err != nil {
		return "", false, nil
	}
	ok, err := h.sessions.Check(r.Context(), c.Value)
	return c.Value, ok, err
}

// withSession answers every request without a live session with the
// sign-in page and 401; the routes it wraps are every page and action of
// the UI. The desktop window, which no other program can reach, has no
// sessions and passes straight through.
func (h *Handler) withSession(next http.Handler) http.Handler {
	if h.sessions == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, ok, err := h.session(r)
		if err != nil {
			h.serverError(w, r, "check the browser's session", err)
			return
		}
		if !ok {
			h.signInRequired(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// signInRequired answers a request that has no session. htmx would not
// swap a 401 into the page, so it is told to reload it, which shows the
// sign-in page in full.
func (h *Handler) signInRequired(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Refresh", "true")
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	h.render(w, r, http.StatusUnauthorized, pages.SignIn(pages.SignInRequired))
}

// setSessionCookie hands the browser its session. HttpOnly keeps it from
// scripts; SameSite=Strict keeps other sites from riding on it, even
// through a link. It cannot be Secure: serve speaks plain HTTP on loopback.
func (h *Handler) setSessionCookie(w http.ResponseWriter, id string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: h.cookie, Value: id, Path: "/",
		Expires: expires, MaxAge: int(expires.Sub(h.now()).Round(time.Second).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}

// clearSessionCookie tells the browser to forget its session.
func (h *Handler) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: h.cookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
}
