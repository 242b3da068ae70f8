package frontend

import (
	"cmp"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/components"
	"github.com/meshflow/meshflow/frontend/pages"
)

// createVM creates the VMs the form asks for, under the form's key: the
// same form sent twice makes them once. A refusal — the form's or the
// cloud's — comes back in the form, every field as it was typed.
func (h *Handler) createVM(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		h.badRequest(w, r, http.StatusBadRequest, "the form could not be read, or is over 1 MiB: reload the page and send it again")
		return
	}
	f := r.PostForm
	audit.Name(r.Context(), model.ActionVMCreate, model.AuditTarget{Kind: model.TargetVM, ID: f.Get("connection")})
	req, err := createRequestOf(f)
	if err == nil && h.vms == nil {
		err = model.Errorf(model.ErrInvalid, "no cloud is connected: add one under Connections first")
	}
	var made []model.VMRecord
	if err == nil {
		made, err = h.vms.Create(r.Context(), req)
	}
	if err != nil {
		audit.Err(r.Context(), err)
		form, ok := h.vmForm(w, r, f)
		if !ok {
			return
		}
		form.Error = sentence(err.Error())
		if len(made) > 0 {
			form.Error = fmt.Sprintf("%s made, then: %s", components.Plural(len(made), "VM was", "VMs were"), form.Error)
		}
		h.render(w, r, http.StatusUnprocessableEntity, pages.VMCreatePage(h.chrome(r.Context(), "vms"), form))
		return
	}
	names := make([]string, len(made))
	for i, vm := range made {
		names[i] = vm.Name
	}
	flash := h.flashes.add(pages.Flash{Message: "Asked " + req.Connection + " for " + strings.Join(names, ", ") + "."})
	if len(made) == 1 {
		redirect(w, r, pages.VMURL(made[0].Connection, made[0].ID)+"&flash="+flash)
		return
	}
	redirect(w, r, "/vms?connection="+req.Connection+"&flash="+flash)
}

// createRequestOf reads the create form, refusing a bad count or tag by
// its field.
func createRequestOf(f map[string][]string) (cloud.CreateRequest, error) {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	req := cloud.CreateRequest{
		Connection: get("connection"), Prefix: get("prefix"), Why: "the VMs page",
		// The key names this filling-in of the form; see newFormKey.
		Key:   "form " + get("key"),
		Names: strings.Fields(strings.ReplaceAll(get("names"), ",", " ")),
		Spec: cloud.CreateSpec{
			Image: get("image"), Flavor: get("flavor"), KeyName: get("key_name"), Username: get("username"),
			SecurityGroup: get("security_group"), SSHFrom: get("ssh_from"), Network: get("network"),
			PublicIP: get("public_ip") != "", UserData: get("user_data"),
		},
	}
	if get("key") == "" {
		return req, model.Errorf(model.ErrInvalid, "the form has no key: reload the create form and fill it in again")
	}
	if req.Connection == "" {
		return req, model.Errorf(model.ErrInvalid, "no connection chosen: choose the cloud to create the VMs on")
	}
	count, err := strconv.Atoi(cmp.Or(get("count"), "1"))
	if err != nil || count < 1 || count > 100 {
		return req, model.Errorf(model.ErrInvalid, "count %q: give a whole number from 1 to 100", get("count"))
	}
	req.Count = count
	tags, err := parseTags(get("tags"))
	if err != nil {
		return req, err
	}
	req.Spec.Tags = tags
	return req, nil
}

// parseTags reads tags one per line (or comma), KEY=VALUE.
func parseTags(s string) (map[string]string, error) {
	var tags map[string]string
	for i, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' }) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if k = strings.TrimSpace(k); !ok || k == "" {
			return nil, model.Errorf(model.ErrInvalid, "tag %d, %q: write KEY=VALUE, e.g. env=lab", i+1, line)
		}
		if tags == nil {
			tags = map[string]string{}
		}
		tags[k] = strings.TrimSpace(v)
	}
	return tags, nil
}
