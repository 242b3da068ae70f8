package connections

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/meshflow/meshflow/backend/model"
	"github.com/meshflow/meshflow/backend/vault/importers"
)

// Places are where Discover looks: the user's home, and the environment
// (OS_*, AZURE_*, AWS_* and the variables that move the clouds' files).
type Places struct {
	Home   string
	Getenv func(string) string
}

// Found is what the usual places hold, read and parsed, before anything
// is imported. Nothing in it shown to a face holds a secret; the
// connections themselves stay inside.
type Found struct {
	Files   []importers.Candidate // an empty Path is the environment
	Plan    []Planned
	Skipped []Skip
	Notes   []importers.Note
	Storage int // Cloudmesh storage entries, which are not connections
	conns   []model.Connection
}

// Planned is one connection an import would make or change.
type Planned struct {
	Name, Kind, Source string
	Update             bool // a connection of that name and kind exists: it is updated, not duplicated
}

// Discover reads what the clouds' own tools keep in the usual places and
// says what an import would do with it; it changes nothing.
func (s *Service) Discover(ctx context.Context, pl Places) (Found, error) {
	found := importers.Discover(pl.Home, pl.Getenv)
	var files []importers.File
	env := false
	for _, c := range found {
		switch {
		case c.Format == importers.FormatEnv:
			env = true
		case c.Err == nil:
			data, err := os.ReadFile(c.Path)
			if err != nil {
				return Found{Files: found}, fmt.Errorf("read %s: %w", c.Path, err)
			}
			files = append(files, importers.File{Path: c.Path, Data: data})
		}
	}
	res, err := parseFiles(files)
	if err != nil {
		return Found{Files: found}, err
	}
	if env {
		e := importers.FromEnv(pl.Getenv)
		res.Connections, res.Skipped, res.Notes = append(res.Connections, e.Connections...), append(res.Skipped, e.Skipped...), append(res.Notes, e.Notes...)
	}
	f, err := s.plan(ctx, res)
	f.Files = found
	return f, err
}

// Parse reads the files given — the clouds' own, recognised by content —
// and says what an import would do with them; it changes nothing.
func (s *Service) Parse(ctx context.Context, files ...importers.File) (Found, error) {
	res, err := parseFiles(files)
	if err != nil {
		return Found{}, err
	}
	return s.plan(ctx, res)
}

func parseFiles(files []importers.File) (importers.Result, error) {
	if len(files) == 0 {
		return importers.Result{}, nil
	}
	return importers.ParseFiles(files...)
}

// plan says what importing res would do: which connections it adds,
// which it updates.
func (s *Service) plan(ctx context.Context, res importers.Result) (Found, error) {
	f := Found{conns: res.Connections, Notes: res.Notes, Storage: len(res.Storage)}
	for _, sk := range res.Skipped {
		f.Skipped = append(f.Skipped, Skip{Name: sk.Name, Reason: sk.Source + ": " + sk.Reason})
	}
	for _, c := range res.Connections {
		old, _, err := s.store.Connection(ctx, c.Name)
		if err != nil && !errors.Is(err, model.ErrNotFound) {
			return f, err
		}
		f.Plan = append(f.Plan, Planned{Name: c.Name, Kind: string(c.Kind), Source: c.Source, Update: err == nil && old.Kind == c.Kind})
	}
	return f, nil
}

// ImportFound imports what Discover or Parse found, as Import does.
func (s *Service) ImportFound(ctx context.Context, f Found) (ImportResult, error) {
	return s.Import(ctx, f.conns, f.Skipped)
}
