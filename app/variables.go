package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/meshflow/meshflow/backend/api"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/vault"
	"github.com/meshflow/meshflow/frontend"
	"github.com/meshflow/meshflow/store"
)

// Variables are the global variables every DAG can read: plain ones as
// .vars.NAME, secret ones through {{ secret "NAME" }}, sealed at rest with
// the data dir's key and masked in task logs.
type Variables struct {
	store *store.Store
	vault func() (*vault.Vault, error)
}

var _ frontend.Variables = (*Variables)(nil)

// Variables returns the data dir's global variables.
func (a *App) Variables() *Variables { return NewVariables(a.Store, a.Dir) }

// NewVariables returns the global variables kept in st, with secrets sealed
// under dir's key.
func NewVariables(st *store.Store, dir DataDir) *Variables {
	keyFile := filepath.Join(string(dir), vault.KeyFileName)
	return &Variables{store: st, vault: func() (*vault.Vault, error) { return vault.Open(keyFile) }}
}

// refusal is an error whose message is meant for the user as it stands. It
// matches api.ErrInvalid or api.ErrNotFound, so the UI can tell a bad name
// from a failure without the CLI's message changing.
type refusal struct {
	msg  string
	kind error
}

func (e *refusal) Error() string { return e.msg }
func (e *refusal) Unwrap() error { return e.kind }

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Set creates or replaces a variable.
func (v *Variables) Set(ctx context.Context, name, value string, secret bool) error {
	if !varName.MatchString(name) {
		return &refusal{fmt.Sprintf("variable name %q: use letters, digits and _, starting with a letter (templates read it as .vars.%s)", name, name), api.ErrInvalid}
	}
	data := []byte(value)
	if secret {
		vlt, err := v.vault()
		if err != nil {
			return err
		}
		data = vlt.Seal(name, data)
	}
	return v.store.SetVariable(ctx, name, data, secret)
}

// Get returns a variable's value; a secret's only when reveal is set.
func (v *Variables) Get(ctx context.Context, name string, reveal bool) (model.Variable, error) {
	data, secret, err := v.store.VariableValue(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return model.Variable{}, &refusal{fmt.Sprintf("no variable %s: set it with 'meshflow var set %s VALUE'", name, name), api.ErrNotFound}
	}
	if err != nil {
		return model.Variable{}, err
	}
	out := model.Variable{Name: name, Secret: secret}
	switch {
	case !secret:
		out.Value = string(data)
	case reveal:
		plain, err := v.open(name, data)
		if err != nil {
			return out, err
		}
		out.Value = plain
	}
	return out, nil
}

func (v *Variables) open(name string, sealed []byte) (string, error) {
	vlt, err := v.vault()
	if err != nil {
		return "", err
	}
	plain, err := vlt.Open(name, sealed)
	if err != nil {
		return "", fmt.Errorf("secret %s: %w", name, err)
	}
	return string(plain), nil
}

// List returns every variable; secret values are left out.
func (v *Variables) List(ctx context.Context) ([]model.Variable, error) {
	return v.store.Variables(ctx)
}

// Delete removes a variable.
func (v *Variables) Delete(ctx context.Context, name string) error {
	if err := v.store.DeleteVariable(ctx, name); errors.Is(err, store.ErrNotFound) {
		return &refusal{"no variable " + name, api.ErrNotFound}
	} else if err != nil {
		return err
	}
	return nil
}

// Plain returns the plain variables by name, for .vars in templates.
func (v *Variables) Plain(ctx context.Context) (map[string]string, error) {
	all, err := v.store.Variables(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, x := range all {
		if !x.Secret {
			out[x.Name] = x.Value
		}
	}
	return out, nil
}

// Secret resolves {{ secret "NAME" }}.
func (v *Variables) Secret(name string) (string, error) {
	data, secret, err := v.store.VariableValue(context.Background(), name)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("no secret %s: set it with 'meshflow var set %s --secret'", name, name)
	}
	if err != nil {
		return "", err
	}
	if !secret {
		return "", fmt.Errorf("variable %s is not secret: read it as .vars.%s", name, name)
	}
	return v.open(name, data)
}
