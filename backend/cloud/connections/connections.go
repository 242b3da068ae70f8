// Package connections owns the cloud connections: adding, editing,
// importing, testing and removing them, with their secrets sealed by the
// vault. Secrets go in here and come out only to open a provider; every
// answer to a face says which secrets are set, never what they are.
package connections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/vault"
)

// Store keeps connections; *store.Store is one. It sees secrets only
// sealed: a Connection's Secrets going in and coming out hold the names of
// the secrets set, each with an empty value.
type Store interface {
	Connections(ctx context.Context) ([]model.Connection, error)
	Connection(ctx context.Context, name string) (model.Connection, []byte, error)
	PutConnection(ctx context.Context, c model.Connection, sealed []byte) (model.Connection, error)
	DeleteConnection(ctx context.Context, name string) error
}

// Keys is the data dir's master key; *vault.Keys is one.
type Keys interface {
	Vault(ctx context.Context, create bool) (*vault.Vault, error)
	Source(ctx context.Context) string
}

// Opener opens a connection's provider; the connection carries its
// secrets. The adapters are wired in app.
type Opener func(model.Connection) (cloud.Provider, error)

// Service is the connections' use cases.
type Service struct {
	store Store
	keys  Keys
	open  Opener
}

// New returns the connections kept in st, sealed under keys, opened with
// open.
func New(st Store, keys Keys, open Opener) *Service {
	return &Service{store: st, keys: keys, open: open}
}

// Info is a connection as the faces see it: everything but the secrets'
// values.
type Info struct {
	ID       int64             `json:"id"`
	Name     string            `json:"name"`
	Kind     model.CloudKind   `json:"kind"`
	Settings map[string]string `json:"settings"`
	Defaults map[string]string `json:"defaults,omitempty"`
	Hosts    []model.SSHHost   `json:"hosts,omitempty"`
	// SecretsSet names the secrets that are set, sorted.
	SecretsSet []string `json:"secrets_set"`
	Active     bool     `json:"active"`
	Source     string   `json:"source"`
	CreatedAt  string   `json:"created_at"`
	UpdatedAt  string   `json:"updated_at"`
}

func infoOf(c model.Connection) Info {
	return Info{
		ID: c.ID, Name: c.Name, Kind: c.Kind, Settings: c.Settings, Defaults: c.Defaults, Hosts: c.Hosts,
		SecretsSet: slices.Sorted(maps.Keys(c.Secrets)), Active: c.Active, Source: c.Source,
		CreatedAt: c.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), UpdatedAt: c.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z"),
	}
}

// List returns every connection by name.
func (s *Service) List(ctx context.Context) ([]Info, error) {
	all, err := s.store.Connections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Info, len(all))
	for i, c := range all {
		out[i] = infoOf(c)
	}
	return out, nil
}

// Get returns one connection; model.ErrNotFound if there is none.
func (s *Service) Get(ctx context.Context, name string) (Info, error) {
	c, _, err := s.get(ctx, name)
	return infoOf(c), err
}

func (s *Service) get(ctx context.Context, name string) (model.Connection, []byte, error) {
	c, sealed, err := s.store.Connection(ctx, name)
	if errors.Is(err, model.ErrNotFound) {
		return c, nil, model.Errorf(model.ErrNotFound, "no connection %s: see 'meshflow cloud list'", model.Quote(name))
	}
	return c, sealed, err
}

// Add adds a connection; its settings and secrets are checked for its kind
// first. A name in use is model.ErrConflict.
func (s *Service) Add(ctx context.Context, c model.Connection) (Info, error) {
	c.ID = 0
	if c.Source == "" {
		c.Source = "added by hand"
	}
	if err := Validate(c); err != nil {
		return Info{}, err
	}
	return s.put(ctx, c)
}

// Update replaces the connection named name with c. A secret is replaced
// only when c gives it a value: an edit that leaves a secret empty keeps
// it, so a form never has to show one back. The secrets named in clear
// are removed (an AWS key given up for a profile).
func (s *Service) Update(ctx context.Context, name string, c model.Connection, clear ...string) (Info, error) {
	old, sealed, err := s.get(ctx, name)
	if err != nil {
		return Info{}, err
	}
	merged, err := s.merge(ctx, old, sealed, c, clear...)
	if err != nil {
		return Info{}, err
	}
	if err := Validate(merged); err != nil {
		return Info{}, err
	}
	return s.put(ctx, merged)
}

// merge is c over old: c's settings, defaults, hosts and state; old's
// secrets where c gives none, but for those in clear.
func (s *Service) merge(ctx context.Context, old model.Connection, sealed []byte, c model.Connection, clear ...string) (model.Connection, error) {
	secrets, err := s.unseal(ctx, old, sealed)
	if err != nil {
		return c, err
	}
	for _, k := range clear {
		delete(secrets, k)
	}
	for k, v := range c.Secrets {
		if v != "" {
			secrets[k] = v
		}
	}
	c.ID, c.Secrets, c.CreatedAt = old.ID, secrets, old.CreatedAt
	if c.Kind == "" {
		c.Kind = old.Kind
	}
	if c.Kind != old.Kind {
		return c, model.Errorf(model.ErrInvalid, "connection %s is a %s connection: a connection cannot change kind; add a new one", old.Name, old.Kind)
	}
	if c.Name == "" {
		c.Name = old.Name
	}
	if c.Source == "" {
		c.Source = old.Source
	}
	return c, nil
}

// Delete removes a connection.
func (s *Service) Delete(ctx context.Context, name string) error {
	err := s.store.DeleteConnection(ctx, name)
	if errors.Is(err, model.ErrNotFound) {
		return model.Errorf(model.ErrNotFound, "no connection %s", model.Quote(name))
	}
	return err
}

// Test opens the connection's provider and asks who its credentials
// authenticate as; the error, if any, is the cloud's own.
func (s *Service) Test(ctx context.Context, name string) (string, error) {
	p, err := s.Provider(ctx, name)
	if err != nil {
		return "", err
	}
	return p.Identity(ctx)
}

// Provider opens the connection's provider with its secrets: the one way
// they leave the service.
func (s *Service) Provider(ctx context.Context, name string) (cloud.Provider, error) {
	c, sealed, err := s.get(ctx, name)
	if err != nil {
		return nil, err
	}
	if c.Secrets, err = s.unseal(ctx, c, sealed); err != nil {
		return nil, err
	}
	return s.open(c)
}

// KeySource says where the master key is: "OS keyring (Secret Service)",
// "key file /home/ann/.meshflow/secret.key".
func (s *Service) KeySource(ctx context.Context) string { return s.keys.Source(ctx) }

func (s *Service) put(ctx context.Context, c model.Connection) (Info, error) {
	var sealed []byte
	masked := map[string]string{}
	for k, v := range c.Secrets {
		if v != "" {
			masked[k] = ""
		} else {
			delete(c.Secrets, k)
		}
	}
	if len(c.Secrets) > 0 {
		v, err := s.keys.Vault(ctx, true)
		if err != nil {
			return Info{}, err
		}
		plain, _ := json.Marshal(c.Secrets)
		sealed = v.Seal(sealName(c), plain)
	}
	c.Secrets = masked
	stored, err := s.store.PutConnection(ctx, c, sealed)
	if err != nil {
		return Info{}, err
	}
	return infoOf(stored), nil
}

// sealName binds a connection's sealed secrets to it: copied to another
// row, they do not open.
func sealName(c model.Connection) string { return "connection " + string(c.Kind) + " " + c.Name }

func (s *Service) unseal(ctx context.Context, c model.Connection, sealed []byte) (map[string]string, error) {
	out := map[string]string{}
	if len(sealed) == 0 {
		return out, nil
	}
	v, err := s.keys.Vault(ctx, false)
	if err == nil {
		var plain []byte
		if plain, err = v.Open(sealName(c), sealed); err == nil {
			err = json.Unmarshal(plain, &out)
		}
	}
	if err != nil {
		// The vault's errors name keys and files, never a secret.
		return nil, model.Errorf(model.ErrUnavailable, "the secrets of connection %s cannot be opened: %w", c.Name, err)
	}
	return out, nil
}

// Skip is a connection an import leaves out, and why.
type Skip struct {
	Name   string `json:"name"`
	Kind   string `json:"kind,omitempty"`
	Reason string `json:"reason"`
}

// ImportResult says what an import did, connection by connection.
type ImportResult struct {
	Added   []string `json:"added"`
	Updated []string `json:"updated"`
	Skipped []Skip   `json:"skipped"`
}

// Import adds the connections an importer found, or updates the one of the
// same name and kind, so importing twice never duplicates. One of the same
// name but another kind, or one that does not validate, is skipped with
// the reason, beside those the importer skipped itself.
func (s *Service) Import(ctx context.Context, conns []model.Connection, skipped []Skip) (ImportResult, error) {
	res := ImportResult{Skipped: append([]Skip(nil), skipped...)}
	for _, c := range conns {
		old, sealed, err := s.store.Connection(ctx, c.Name)
		switch {
		case errors.Is(err, model.ErrNotFound):
			if _, err = s.Add(ctx, c); err == nil {
				res.Added = append(res.Added, c.Name)
			}
		case err != nil:
			return res, err
		case old.Kind != c.Kind:
			err = model.Errorf(model.ErrConflict, "a %s connection named %s exists already: rename one of them", old.Kind, c.Name)
		default:
			var merged model.Connection
			if merged, err = s.merge(ctx, old, sealed, c); err == nil {
				if err = Validate(merged); err == nil {
					_, err = s.put(ctx, merged)
				}
			}
			if err == nil {
				res.Updated = append(res.Updated, c.Name)
			}
		}
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) && !errors.Is(err, model.ErrConflict) {
				return res, fmt.Errorf("import %s: %w", c.Name, err)
			}
			res.Skipped = append(res.Skipped, Skip{Name: c.Name, Kind: string(c.Kind), Reason: err.Error()})
		}
	}
	return res, nil
}

// Where says in a few words where a connection points: its region,
// location, auth URL or hosts, for lists.
func Where(c Info) string {
	switch c.Kind {
	case model.CloudAzure:
		return c.Settings[model.SettingLocation]
	case model.CloudOpenStack:
		if r := c.Settings[model.SettingRegion]; r != "" {
			return c.Settings[model.SettingAuthURL] + " (" + r + ")"
		}
		return c.Settings[model.SettingAuthURL]
	case model.CloudHosts:
		return fmt.Sprintf("%d hosts", len(c.Hosts))
	}
	if e := c.Settings[model.SettingEndpoint]; e != "" {
		return c.Settings[model.SettingRegion] + " at " + e
	}
	return c.Settings[model.SettingRegion]
}
