package frontend

import (
	"errors"
	"net/http"
	"strings"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// login exchanges the one-time token of a login link for a session cookie
// and sends the browser on to the Overview, so the token leaves the address
// bar at once. Without a token it explains how to get a link. Successful
// and refused sign-ins are audited; the token never is, nor logged.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Referrer-Policy", "no-referrer") // the address holds the token
	if h.sessions == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther) // the desktop window is always signed in
		return
	}
	old, signedIn, err := h.session(r)
	if err != nil {
		h.serverError(w, r, "check the browser's session", err)
		return
	}
	token := strings.TrimSpace(r.URL.Query().Get("token"))
	if token == "" {
		if signedIn {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		h.render(w, r, http.StatusOK, pages.SignIn(pages.SignInSignedOut))
		return
	}
	if r.Method != http.MethodGet {
		// A HEAD is a link preview or a link checker, not the user: it
		// must not spend the one-time link the user is about to open.
		h.render(w, r, http.StatusOK, pages.SignIn(pages.SignInSignedOut))
		return
	}
	id, expires, err := h.sessions.Redeem(r.Context(), token)
	if errors.Is(err, model.ErrInvalid) {
		h.auditLogin(r, "", err)
		h.logger.Warn("login refused: wrong, used or expired link", "address", h.origin(r).Address)
		h.render(w, r, http.StatusUnauthorized, pages.SignIn(pages.SignInRefused))
		return
	}
	if err != nil {
		h.auditLogin(r, "", err)
		h.serverError(w, r, "sign the browser in", err)
		return
	}
	if old != "" {
		// A browser signing in again replaces its session; the old one
		// would only wait in the database for its expiry.
		if err := h.sessions.End(r.Context(), old); err != nil {
			h.logger.Warn("end replaced session", "err", err)
		}
	}
	h.setSessionCookie(w, id, expires)
	if crossSite(r) {
		// A browser withholds a SameSite=Strict cookie from every request
		// of a navigation another site (or a local file: `serve --open`)
		// began, redirects included; a page of our own moving on begins a
		// navigation of ours, which carries it.
		h.auditLogin(r, id, nil)
		h.render(w, r, http.StatusOK, pages.SignedIn("/"))
		return
	}
	h.auditLogin(r, id, nil)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// crossSite reports whether a browser says the request is part of a
// navigation another site or a file began. A link opened from a terminal
// or typed in says "none".
func crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "cross-site", "same-site":
		return true
	}
	return false
}

// auditLogin records a sign-in attempt, by the session it began when it
// worked. The middleware records only requests that may change state, and
// a login link is a GET.
func (h *Handler) auditLogin(r *http.Request, sessionID string, err error) {
	o := h.origin(r)
	if sessionID != "" {
		o.Actor = sessionActor(sessionID)
	}
	ev := o.Event(h.now(), model.ActionLogin, model.AuditTarget{Kind: model.TargetSession}, err)
	if ev.Outcome == model.OutcomeRefused { // guessing links must not grow the log either
		h.addRefusal(r.Context(), ev)
		return
	}
	h.addAudit(r.Context(), ev)
}

// logout ends the browser's session and shows the sign-in page.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	audit.Name(r.Context(), model.ActionLogout, model.AuditTarget{Kind: model.TargetSession})
	if h.sessions == nil {
		redirect(w, r, "/")
		return
	}
	if c, err := r.Cookie(h.cookie); err == nil {
		if err := h.sessions.End(r.Context(), c.Value); err != nil {
			h.serverError(w, r, "sign out", err)
			return
		}
	}
	h.clearSessionCookie(w)
	redirect(w, r, "/login")
}
