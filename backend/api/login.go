package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/meshflow/meshflow/backend/audit"
)

// LoginLinkPath is where `meshflow login` asks a running server for a link
// that signs a browser in to its web UI.
const LoginLinkPath = "/api/v1/login-links"

// LoginLink is the answer to POST LoginLinkPath.
type LoginLink struct {
	URL string `json:"url"`
}

// LoginLinks serves POST LoginLinkPath with links from mint. Only the
// server that shows the web UI offers it, so it is mounted beside Handler
// rather than in it; it takes the same token. The answer holds a
// credential: it is never cached, and never logged. mint is told who
// asks, for the audit log.
func LoginLinks(mint func(context.Context, audit.Origin) (string, error), token string, logger *slog.Logger) http.Handler {
	return requireToken(token, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		link, err := mint(r.Context(), Origin(r))
		if err != nil {
			logger.Error("api: mint login link", "err", err)
			writeError(w, r, http.StatusInternalServerError, "internal error: see the meshflow server's log")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(LoginLink{URL: link})
	}))
}

// LoginLink asks the server for a one-time link that signs a browser in to
// its web UI. A server without a web UI (the desktop app's) answers
// ErrNotFound.
func (c *Client) LoginLink(ctx context.Context) (string, error) {
	var out LoginLink
	if err := c.do(ctx, http.MethodPost, LoginLinkPath, struct{}{}, &out); err != nil {
		return "", err
	}
	return out.URL, nil
}
