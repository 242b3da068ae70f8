package frontend

import (
	"net/http"
	"strconv"
	"time"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"

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
	vs, err := h.store.VMSettings(r.Context())
	if err != nil {
		h.serverError(w, r, "load VM settings", err)
		return
	}
	saved := r.URL.Query().Get("saved")
	form := pages.SettingsForm{Values: st, Saved: saved == "1", VMs: vmSettingsForm(vs)}
	form.VMs.Saved = saved == "vms"
	h.renderSettings(w, r, http.StatusOK, form)
}

// vmSettingsForm is vs as the form shows it.
func vmSettingsForm(vs model.VMSettings) pages.VMSettingsForm {
	f := pages.VMSettingsForm{NamePattern: vs.NamePattern, WarningMinutes: strconv.Itoa(int(vs.StopWarning / time.Minute))}
	if vs.StopForgottenAfter > 0 {
		f.StopAfterHours = strconv.Itoa(int(vs.StopForgottenAfter / time.Hour))
	}
	return f
}

func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, status int, form pages.SettingsForm) {
	form.ConfigFacts = h.configFacts()
	form.VMs.Placeholders = cloud.NamePlaceholders
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
