package workflow

import (
	"context"
	"errors"
	"regexp"
	"time"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/vault"
)

// Variables are the global variables every DAG can read: plain ones as
// .vars.NAME, secret ones through {{ secret "NAME" }}, sealed at rest with
// the data dir's key and masked in task logs. A secret's value goes in
// through Set and comes out only to the engine (Secret) and to Get with
// reveal, which only the CLI of the data dir's owner asks for.
type Variables struct {
	store VariableStore
	keys  Keys
}

// Keys opens the data dir's vault; *vault.Keys is one.
type Keys interface {
	Vault(ctx context.Context, create bool) (*vault.Vault, error)
}

// VariableStore keeps variables; secret values arrive sealed.
type VariableStore interface {
	SetVariable(ctx context.Context, name string, value []byte, secret bool) error
	VariableValue(ctx context.Context, name string) (value []byte, secret bool, err error)
	Variables(ctx context.Context) ([]model.Variable, error)
	DeleteVariable(ctx context.Context, name string) error
}

// NewVariables returns the variables kept in st, with secrets sealed under
// the data dir's master key (created on first use).
func NewVariables(st VariableStore, keys Keys) *Variables {
	return &Variables{store: st, keys: keys}
}

var varName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Set creates or replaces a variable; a bad name is refused with
// model.ErrInvalid.
func (v *Variables) Set(ctx context.Context, name, value string, secret bool) error {
	if !varName.MatchString(name) {
		return model.Errorf(model.ErrInvalid, "variable name %s: use letters, digits and _, starting with a letter (templates read it as .vars.%s)", model.Quote(name), model.Cut(name, model.MaxQuoted))
	}
	data := []byte(value)
	if secret {
		vlt, err := v.keys.Vault(ctx, true)
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
	if errors.Is(err, model.ErrNotFound) {
		return model.Variable{}, model.Errorf(model.ErrNotFound, "no variable %s: set it with 'meshflow var set %s VALUE'", name, name)
	}
	if err != nil {
		return model.Variable{}, err
	}
	out := model.Variable{Name: name, Secret: secret}
	switch {
	case !secret:
		out.Value = string(data)
	case reveal:
		plain, err := v.open(ctx, name, data)
		if err != nil {
			return out, err
		}
		out.Value = plain
	}
	return out, nil
}

func (v *Variables) open(ctx context.Context, name string, sealed []byte) (string, error) {
	vlt, err := v.keys.Vault(ctx, false)
	if errors.Is(err, vault.ErrNoKey) {
		return "", model.Errorf(model.ErrUnavailable, "secret %s cannot be opened: the data dir has no secret.key; was it restored without it? Put the key back (see 'meshflow db restore')", name)
	}
	if errors.Is(err, vault.ErrWrongKey) {
		return "", model.Errorf(model.ErrUnavailable, "secret %s cannot be opened: %w", name, err)
	}
	if err != nil {
		return "", err
	}
	plain, err := vlt.Open(name, sealed)
	if err != nil {
		return "", model.Errorf(model.ErrUnavailable, "secret %s cannot be opened with this data dir's key (%w): was the data dir restored without its secret.key?", name, err)
	}
	return string(plain), nil
}

// List returns every variable; secret values are left out.
func (v *Variables) List(ctx context.Context) ([]model.Variable, error) {
	return v.store.Variables(ctx)
}

// Delete removes a variable; an unknown one is model.ErrNotFound.
func (v *Variables) Delete(ctx context.Context, name string) error {
	err := v.store.DeleteVariable(ctx, name)
	if errors.Is(err, model.ErrNotFound) {
		return model.Errorf(model.ErrNotFound, "no variable %s", name)
	}
	return err
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

// secretReadTimeout bounds the database read behind {{ secret "NAME" }},
// which templates call without a context.
const secretReadTimeout = 5 * time.Second

// Secret resolves {{ secret "NAME" }}. Its errors name the secret, never
// its value.
func (v *Variables) Secret(name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), secretReadTimeout)
	defer cancel()
	data, secret, err := v.store.VariableValue(ctx, name)
	if errors.Is(err, model.ErrNotFound) {
		return "", model.Errorf(model.ErrNotFound, "no secret %s: set it with 'meshflow var set %s --secret'", name, name)
	}
	if err != nil {
		return "", err
	}
	if !secret {
		return "", model.Errorf(model.ErrInvalid, "variable %s is not secret: read it as .vars.%s", name, name)
	}
	return v.open(ctx, name, data)
}
