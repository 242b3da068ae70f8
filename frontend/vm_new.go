package frontend

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// newVM shows the create form: ?connection= picks the cloud, whose
// images and flavors fill the pickers (?q= filters them, ?reload= asks
// the cloud again), the connection's defaults chosen. Every other field
// of the address is a value to keep, so a changed connection or filter
// loses nothing typed.
func (h *Handler) newVM(w http.ResponseWriter, r *http.Request) {
	form, ok := h.vmForm(w, r, r.URL.Query())
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, pages.VMCreatePage(h.chrome(r.Context(), "vms"), form))
}

// vmForm fills the create form from values (the address, or a refused
// post): the connections to choose from, the catalog of the one chosen,
// and each field as given, else the connection's default.
func (h *Handler) vmForm(w http.ResponseWriter, r *http.Request, values url.Values) (pages.VMCreateForm, bool) {
	ctx := r.Context()
	form := pages.VMCreateForm{Values: map[string]string{}, Key: values.Get("key"), Text: strings.TrimSpace(values.Get("q")), Now: h.now()}
	if form.Key == "" {
		form.Key = newFormKey()
	}
	if h.vms == nil || h.conns == nil {
		form.Error = "No cloud is connected: add one under Connections first."
		return form, true
	}
	list, err := h.conns.List(ctx)
	if err != nil {
		h.fail(w, r, "list the connections", err)
		return form, false
	}
	for _, c := range list {
		if !c.Active || c.Kind == model.CloudHosts {
			continue // meshflow makes no VM on a static host
		}
		form.Connections = append(form.Connections, pages.Choice{Value: c.Name, Label: c.Name + " (" + string(c.Kind) + ")"})
		if c.Name == values.Get("connection") || form.Connection == "" && values.Get("connection") == "" {
			form.Connection, form.Kind = c.Name, string(c.Kind)
			for k, v := range c.Defaults {
				form.Values[k] = v
			}
		}
	}
	if form.Connection == "" {
		if len(form.Connections) == 0 {
			form.Error = "No active cloud connection can make VMs: add an AWS, Azure or OpenStack connection under Connections."
		} else {
			form.Error = "Connection " + values.Get("connection") + " is not one VMs can be made on: choose another."
		}
		return form, true
	}
	switched := values.Get("was") != "" && values.Get("was") != form.Connection
	for _, f := range pages.VMFormFields {
		if switched && slices.Contains(pages.VMCloudFields, f) {
			continue // typed for the other cloud: this one's defaults instead
		}
		if v := strings.TrimSpace(values.Get(f)); v != "" {
			form.Values[f] = v
		}
	}
	pattern, err := h.vms.NamePattern(r.Context(), form.Connection, form.Values["prefix"])
	if err != nil {
		form.Error = "The naming pattern cannot name VMs: " + err.Error()
	}
	form.Pattern = pattern
	h.fillCatalog(r, &form, values.Get("reload") != "")
	return form, true
}

// fillCatalog puts the chosen connection's images and flavors into the
// form; a cloud without a catalog, or one that does not answer, leaves
// the fields to be typed, and says why.
func (h *Handler) fillCatalog(r *http.Request, form *pages.VMCreateForm, reload bool) {
	view, err := h.vms.Catalog(r.Context(), cloud.CatalogQuery{Connection: form.Connection, Text: form.Text, Reload: reload})
	switch {
	case errors.Is(err, cloud.ErrNotSupported):
		return
	case err != nil:
		form.CatalogError = err.Error()
		return
	}
	form.HasCatalog, form.CatalogAt, form.MoreImages = true, view.At, view.MoreImages
	form.Images, form.Flavors = catalogChoices(view)
	named := func(ns []cloud.Named) (out []pages.Choice) {
		for _, n := range ns {
			out = append(out, pages.Choice{Value: n.ID, Label: n.Name})
		}
		return out
	}
	pl := view.Placements
	form.KeyPairs, form.SecurityGroups, form.Networks = named(pl.KeyPairs), named(pl.SecurityGroups), named(pl.Networks)
}

// catalogChoices are a catalog's images and flavors as picker options.
func catalogChoices(view cloud.CatalogView) (images, flavors []pages.Choice) {
	for _, im := range view.Images {
		label := im.Name
		if im.Description != "" && im.Description != im.Name {
			label += " — " + im.Description
		}
		images = append(images, pages.Choice{Value: im.ID, Label: label + " (" + im.ID + ")"})
	}
	for _, f := range view.Flavors {
		flavors = append(flavors, pages.Choice{Value: f.Name, Label: pages.FlavorLabel(f)})
	}
	return images, flavors
}

// newFormKey names one filling-in of the create form: sent again, by a
// double-click or the browser's resubmit, it is the same request, and
// the inventory makes its VMs once.
func newFormKey() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
