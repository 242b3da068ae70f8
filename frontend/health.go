package frontend

import (
	"encoding/json"
	"net/http"
)

// health answers load balancers and scripts: 200 when the database answers,
// 503 when it does not.
func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	body := map[string]string{"status": "ok", "version": h.info.Version}
	status := http.StatusOK
	if err := h.inst.Ping(r.Context()); err != nil {
		h.logger.Error("health check", "err", err)
		body["status"], body["database"] = "unavailable", "not answering"
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
