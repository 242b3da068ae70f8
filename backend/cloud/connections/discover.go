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
	f := Found{Files: importers.Discover(pl.Home, pl.Getenv)}
	var files []importers.File
	var res importers.Result
	for _, c := range f.Files {
		switch {
		case c.Format == importers.FormatEnv:
			env := importers.FromEnv(pl.Getenv)
			res.Connections, res.Skipped, res.Notes = append(res.Connections, env.Connections...), append(res.Skipped, env.Skipped...), append(res.Notes, env.Notes...)
		case c.Err == nil:
			data, err := os.ReadFile(c.Path)
			if err != nil {
				return f, fmt.Errorf("read %s: %w", c.Path, err)
			}
			files = append(files, importers.File{Path: c.Path, Data: data})
		}
	}
	if len(files) > 0 {
		parsed, err := importers.ParseFiles(files...)
		if err != nil {
			return f, err
		}
		res.Connections, res.Skipped, res.Notes = append(parsed.Connections, res.Connections...), append(parsed.Skipped, res.Skipped...), append(parsed.Notes, res.Notes...)
	}
	f.conns, f.Notes = res.Connections, res.Notes
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

// ImportFound imports what Discover found, as Import does.
func (s *Service) ImportFound(ctx context.Context, f Found) (ImportResult, error) {
	return s.Import(ctx, f.conns, f.Skipped)
}
