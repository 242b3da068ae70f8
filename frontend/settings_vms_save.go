package frontend

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// saveVMSettings validates and stores the VM settings form, all of it or
// none; on error the form comes back as typed, each bad field marked.
func (h *Handler) saveVMSettings(w http.ResponseWriter, r *http.Request) {
	audit.Name(r.Context(), model.ActionSettingsSave, model.AuditTarget{Kind: model.TargetSettings, ID: "vms"})
	if err := r.ParseForm(); err != nil {
		h.badRequest(w, r, http.StatusBadRequest, "the form could not be read: reload the page and send it again")
		return
	}
	vs, form := parseVMSettings(r.PostForm.Get("name_pattern"), r.PostForm.Get("stop_after_hours"), r.PostForm.Get("warning_minutes"))
	if len(form.Errors) > 0 {
		audit.Refuse(r.Context(), fieldReasons("", form.Errors))
		st, err := h.store.Settings(r.Context())
		if err != nil {
			h.serverError(w, r, "load settings", err)
			return
		}
		h.renderSettings(w, r, http.StatusUnprocessableEntity, pages.SettingsForm{Values: st, VMs: form})
		return
	}
	if err := h.store.SaveVMSettings(r.Context(), vs); err != nil {
		h.serverError(w, r, "save VM settings", err)
		return
	}
	redirect(w, r, "/settings?saved=vms")
}

// maxStopHours bounds the forgotten-VM guard's wait: a year.
const maxStopHours = 24 * 366

// parseVMSettings reads the VM settings form and says what is wrong with
// each bad field.
func parseVMSettings(pattern, stopHours, warnMinutes string) (model.VMSettings, pages.VMSettingsForm) {
	form := pages.VMSettingsForm{NamePattern: strings.TrimSpace(pattern), StopAfterHours: strings.TrimSpace(stopHours), WarningMinutes: strings.TrimSpace(warnMinutes), Errors: map[string]string{}}
	vs := model.VMSettings{NamePattern: form.NamePattern}
	if err := cloud.CheckNamePattern(vs.NamePattern); err != nil {
		form.Errors["name_pattern"] = strings.ToUpper(err.Error()[:1]) + err.Error()[1:] + "."
	}
	if form.StopAfterHours != "" {
		n, err := strconv.Atoi(form.StopAfterHours)
		if err != nil || n < 0 || n > maxStopHours {
			form.Errors["stop_after_hours"] = "Give a whole number of hours from 1 to " + strconv.Itoa(maxStopHours) + ", or leave it empty to never stop VMs."
		}
		vs.StopForgottenAfter = time.Duration(n) * time.Hour
	}
	n, err := strconv.Atoi(form.WarningMinutes)
	if err != nil || n < 1 || n > 24*60 {
		form.Errors["warning_minutes"] = "Give a whole number of minutes from 1 to 1440 (a day)."
	}
	vs.StopWarning = time.Duration(n) * time.Minute
	return vs, form
}
