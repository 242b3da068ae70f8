package frontend

import (
	"net/http"

	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// showSettings renders the preferences form and the effective configuration.
func (h *Handler) showSettings(w http.ResponseWriter, r *http.Request) {
	st, err := h.store.Settings(r.Context())
	if err != nil {
		h.serverError(w, r, "load settings", err)
		return
	}
	form := pages.SettingsForm{Values: st, Saved: r.URL.Query().Get("saved") == "1"}
	h.renderSettings(w, r, http.StatusOK, form)
}

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, status int, form pages.SettingsForm) {
	form.ConfigFacts = h.configFacts()
	h.render(w, r, status, pages.SettingsPage(h.chrome(r.Context(), "settings"), form))
}

// configFacts is the effective configuration, which is set outside the UI.
func (h *Handler) configFacts() []pages.Fact {
	listen := h.info.Addr
	if h.info.Desktop {
		listen = "(desktop window, no network listener)"
	}
	return []pages.Fact{
		{Label: "Data directory", Value: components.Path(h.info.DataDir)},
		{Label: "Config file", Value: components.Path(h.info.ConfigFile)},
		{Label: "Listen address", Value: listen},
		{Label: "Log level", Value: h.info.LogLevel},
	}
}
