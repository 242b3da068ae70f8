package frontend

import (
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// saveSettings validates and stores the preferences form. Either every field
// is saved or none is; on error the form comes back with the user's input
// and a message next to each bad field.
func (h *Handler) saveSettings(w http.ResponseWriter, r *http.Request) {
	audit.Name(r.Context(), model.ActionSettingsSave, model.AuditTarget{Kind: model.TargetSettings, ID: "preferences"})
	if err := r.ParseForm(); err != nil {
		h.badRequest(w, r, http.StatusBadRequest, "the form could not be read: reload the page and send it again")
		return
	}
	st, errs := parseSettings(r.PostForm)
	if len(errs) > 0 {
		audit.Refuse(r.Context(), fieldReasons("", errs))
		h.renderSettings(w, r, http.StatusUnprocessableEntity, pages.SettingsForm{Values: st, Errors: errs})
		return
	}
	if err := h.store.SaveSettings(r.Context(), st); err != nil {
		h.serverError(w, r, "save settings", err)
		return
	}
	// A full page load follows, because the theme and the instance name
	// change the page around the form too.
	redirect(w, r, "/settings?saved=1")
}

// parseSettings reads the form into Settings and reports each bad field.
func parseSettings(form map[string][]string) (model.Settings, map[string]string) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	errs := map[string]string{}
	st := model.Settings{InstanceName: strings.TrimSpace(get("instance_name")), Theme: model.Theme(get("theme"))}

	switch n := utf8.RuneCountInString(st.InstanceName); {
	case n == 0:
		errs["instance_name"] = "Give the instance a name, e.g. \"laptop\" or \"lab\"."
	case n > model.MaxInstanceNameLen:
		errs["instance_name"] = fmt.Sprintf("Use at most %d characters (this one has %d).", model.MaxInstanceNameLen, n)
	case strings.IndexFunc(st.InstanceName, unicode.IsControl) >= 0:
		errs["instance_name"] = "Use letters, digits, spaces and punctuation only."
	}
	if _, err := model.ParseTheme(string(st.Theme)); err != nil {
		errs["theme"] = "Choose one of the themes listed."
		st.Theme = model.ThemeSystem
	}
	return st, errs
}
