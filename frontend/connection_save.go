package frontend

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/audit"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/frontend/pages"
)

// saveConnection adds a connection (POST /connections) or edits one (POST
// /connections/{name}). A secret field left empty keeps the secret. A
// refused form comes back with its settings and a message by each bad
// field, and with every secret field empty: no secret is sent back.
func (h *Handler) saveConnection(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		h.badRequest(w, r, http.StatusBadRequest, "the form could not be read, or is over 1 MiB: reload the page and send it again")
		return
	}
	editing := r.PathValue("name")
	c := connectionOfForm(r)
	action := model.ActionConnectionAdd
	if editing != "" {
		action = model.ActionConnectionUpdate
	}
	audit.Name(r.Context(), action, model.ConnectionTarget(c.Name))

	hosts, hostErr := parseHosts(r.PostForm.Get("hosts"))
	c.Hosts = hosts
	var err error
	switch {
	case hostErr != nil:
		err = hostErr
	case editing != "":
		_, err = h.edits.Update(r.Context(), editing, c, r.PostForm["clear"]...)
	default:
		_, err = h.edits.Add(r.Context(), c)
	}
	if err != nil && !errors.Is(err, model.ErrInvalid) && !errors.Is(err, model.ErrConflict) && !errors.Is(err, model.ErrNotFound) {
		h.fail(w, r, "save connection "+c.Name, err)
		return
	}
	if err != nil {
		audit.Refuse(r.Context(), err.Error())
		form := newConnectionForm(string(c.Kind))
		if editing != "" {
			form.Editing = true
		}
		form.Name, form.Active, form.Hosts = c.Name, c.Active, r.PostForm.Get("hosts")
		for i, fld := range form.Fields {
			if !fld.Secret {
				form.Fields[i].Value = c.Settings[fld.Key]
			}
		}
		for i, fld := range form.Defaults {
			form.Defaults[i].Value = r.PostForm.Get(fld.Key)
		}
		form.Errors = fieldError(err)
		h.renderConnections(w, r, http.StatusUnprocessableEntity, form, pages.Flash{})
		return
	}
	redirect(w, r, "/connections?flash="+h.flashes.add(pages.Flash{Message: "Connection " + c.Name + " saved."}))
}

// connectionOfForm reads the form: settings by their keys, secrets as
// secret.KEY, defaults as default.KEY; empty values are left out.
func connectionOfForm(r *http.Request) model.Connection {
	c := model.Connection{
		Name: strings.TrimSpace(r.PostForm.Get("name")), Kind: model.CloudKind(r.PostForm.Get("kind")),
		Settings: map[string]string{}, Secrets: map[string]string{}, Defaults: map[string]string{},
		Active: r.PostForm.Get("active") != "",
	}
	for key, vals := range r.PostForm {
		v := strings.TrimSpace(vals[0])
		if v == "" {
			continue
		}
		switch {
		case key == "name" || key == "kind" || key == "active" || key == "hosts" || key == "clear":
		case strings.HasPrefix(key, "secret."):
			// As typed but for the browser's CRLF: a private key's lines matter.
			c.Secrets[strings.TrimPrefix(key, "secret.")] = strings.ReplaceAll(vals[0], "\r\n", "\n")
		case strings.HasPrefix(key, "default."):
			c.Defaults[strings.TrimPrefix(key, "default.")] = v
		default:
			c.Settings[key] = v
		}
	}
	return c
}

// fieldError puts a refusal by the field it names ("connection field
// region: is required"), or above the form.
func fieldError(err error) map[string]string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "connection field "); ok {
		if field, why, ok := strings.Cut(rest, ": "); ok {
			if strings.HasPrefix(field, "hosts[") {
				field = "hosts"
			}
			return map[string]string{field: sentence(why)}
		}
	}
	return map[string]string{"form": sentence(msg)}
}

// parseHosts reads the hosts box: NAME USER@ADDRESS[:PORT] [KEYFILE] a line.
func parseHosts(text string) ([]model.SSHHost, error) {
	var out []model.SSHHost
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		user, addr, ok := strings.Cut(f[min(1, len(f)-1)], "@")
		if len(f) < 2 || len(f) > 3 || !ok {
			return nil, model.Errorf(model.ErrInvalid, "connection field hosts: line %d: write NAME USER@ADDRESS[:PORT] [KEY FILE]", i+1)
		}
		h := model.SSHHost{Name: f[0], User: user, Address: addr}
		if j := strings.LastIndex(addr, ":"); j > 0 && !strings.Contains(addr[:j], ":") {
			port, err := strconv.Atoi(addr[j+1:])
			if err != nil {
				return nil, model.Errorf(model.ErrInvalid, "connection field hosts: line %d: the port %s is not a number", i+1, model.Quote(addr[j+1:]))
			}
			h.Address, h.Port = addr[:j], port
		}
		if len(f) == 3 {
			h.KeyFile = f[2]
		}
		out = append(out, h)
	}
	return out, nil
}

// formatHosts writes hosts as the hosts box reads them.
func formatHosts(hosts []model.SSHHost) string {
	var b strings.Builder
	for _, h := range hosts {
		fmt.Fprintf(&b, "%s %s@%s", h.Name, h.User, h.Address)
		if h.Port != 0 {
			fmt.Fprintf(&b, ":%d", h.Port)
		}
		if h.KeyFile != "" {
			b.WriteString(" " + h.KeyFile)
		}
		b.WriteString("\n")
	}
	return b.String()
}
