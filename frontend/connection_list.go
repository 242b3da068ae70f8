package frontend

import (
	"errors"
	"net/http"
	"slices"

	"github.com/meshflow/meshflow/backend/cloud/connections"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// listConnections shows the connections and the form: ?add=KIND for a new
// one of that kind (aws by default), ?edit=NAME to edit one.
func (h *Handler) listConnections(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	form := newConnectionForm(q.Get("add"))
	if name := q.Get("edit"); name != "" {
		info, err := h.conns.Get(r.Context(), name)
		if errors.Is(err, model.ErrNotFound) {
			h.missing(w, r, "connections", "No such connection", "There is no connection named "+name+". It may have been deleted.")
			return
		}
		if err != nil {
			h.fail(w, r, "read connection "+name, err)
			return
		}
		form = editConnectionForm(info)
	}
	h.renderConnections(w, r, http.StatusOK, form, h.flashes.get(q.Get("flash")))
}

func (h *Handler) renderConnections(w http.ResponseWriter, r *http.Request, status int, form pages.ConnectionForm, flash pages.Flash) {
	list, err := h.conns.List(r.Context())
	if err != nil {
		h.fail(w, r, "list the connections", err)
		return
	}
	page := pages.ConnectionsPage{KeySource: h.conns.KeySource(r.Context()), Flash: flash, Form: form}
	for _, k := range connections.Kinds {
		page.Kinds = append(page.Kinds, string(k))
	}
	for _, c := range list {
		page.Connections = append(page.Connections, pages.ConnectionRow{
			Name: c.Name, Kind: string(c.Kind), Where: connections.Where(c), Source: c.Source,
			Active: c.Active, SecretsSet: c.SecretsSet,
		})
	}
	h.render(w, r, status, pages.ConnectionsListPage(h.chrome(r.Context(), "connections"), page))
}

// defaultFields are the VM defaults every kind's form offers.
var defaultFields = []connections.Field{
	{Key: model.DefaultImage, Label: "Image"},
	{Key: model.DefaultFlavor, Label: "Flavor or size"},
	{Key: model.DefaultUsername, Label: "Login user"},
	{Key: model.DefaultKeyName, Label: "Key pair"},
	{Key: model.DefaultSecurityGroup, Label: "Security group"},
	{Key: model.DefaultNetwork, Label: "Network"},
}

// newConnectionForm is the empty form of kind; an unknown kind is aws.
func newConnectionForm(kind string) pages.ConnectionForm {
	k := model.CloudKind(kind)
	if !slices.Contains(connections.Kinds, k) {
		k = model.CloudAWS
	}
	f := pages.ConnectionForm{Kind: string(k), Active: true}
	for _, fld := range connections.Fields[k] {
		f.Fields = append(f.Fields, pages.ConnectionField{Key: fld.Key, Label: fld.Label, Help: fld.Help, Secret: fld.Secret, Multiline: fld.Multiline})
	}
	for _, fld := range defaultFields {
		f.Defaults = append(f.Defaults, pages.ConnectionField{Key: "default." + fld.Key, Label: fld.Label})
	}
	return f
}

// editConnectionForm is the form filled in from info: settings and
// defaults as they are, secrets only as set or not.
func editConnectionForm(info connections.Info) pages.ConnectionForm {
	f := newConnectionForm(string(info.Kind))
	f.Name, f.Editing, f.Active = info.Name, true, info.Active
	for i, fld := range f.Fields {
		if fld.Secret {
			f.Fields[i].Set = slices.Contains(info.SecretsSet, fld.Key)
		} else {
			f.Fields[i].Value = info.Settings[fld.Key]
		}
	}
	for i, fld := range f.Defaults {
		f.Defaults[i].Value = info.Defaults[fld.Key[len("default."):]]
	}
	f.Hosts = formatHosts(info.Hosts)
	return f
}
