package workflow

import (
	"context"
	"errors"

	"github.com/meshflow/meshflow/backend/dagdir"
	"github.com/meshflow/meshflow/backend/model"
)

// DAGs lists the DAG files with their state.
func (s *Service) DAGs(ctx context.Context) ([]DAG, error) {
	entries := s.folder.List()
	out := make([]DAG, 0, len(entries))
	for _, e := range entries {
		d, err := s.describe(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// DAG describes the DAG file that defines name, valid or not.
func (s *Service) DAG(ctx context.Context, name string) (DAG, error) {
	e, err := s.Entry(name)
	if err != nil {
		return DAG{}, err
	}
	return s.describe(ctx, e)
}

// Entry returns the DAG file that defines name, valid or not, so that a
// broken file can be shown with its errors as well as a working one.
func (s *Service) Entry(name string) (*dagdir.Entry, error) {
	if e, err := s.folder.Get(name); err == nil {
		return e, nil
	}
	for _, e := range s.folder.List() {
		if e.Name == name {
			return e, nil
		}
	}
	return nil, model.Errorf(model.ErrNotFound, "DAG %s", model.Quote(name))
}

// describe is what listings show of a DAG file: its definition, problems,
// pause state and next scheduled run.
func (s *Service) describe(ctx context.Context, e *dagdir.Entry) (DAG, error) {
	d := DAG{Name: e.Name, File: e.File, Stale: e.Stale()}
	if e.Err != nil {
		d.Error = e.Err.Error()
	}
	if e.DAG != nil {
		d.Description, d.Tags, d.Schedule, d.Timezone = e.DAG.Description, e.DAG.Tags, e.DAG.Schedule, e.DAG.Timezone
		for _, w := range e.DAG.Warnings {
			d.Warnings = append(d.Warnings, w.Error())
		}
	}
	st, known, err := s.store.DAGState(ctx, e.Name)
	if err != nil {
		return d, err
	}
	if !known && e.DAG != nil {
		st.Paused = e.DAG.StartPaused // as the scheduler will store it
	}
	d.Paused, d.NextRunAt = st.Paused, st.NextRunAt
	if s.schedule != nil {
		if next, ok := s.schedule.Next(e.Name); ok {
			d.NextRunAt = next
		}
	}
	return d, nil
}

// SetPaused pauses or unpauses a DAG's schedule.
func (s *Service) SetPaused(ctx context.Context, name string, paused bool) error {
	if _, err := s.Runnable(name); err != nil {
		return err
	}
	if paused {
		return s.schedule.Pause(ctx, name)
	}
	return s.schedule.Unpause(ctx, name)
}

// Runnable returns the valid DAG called name. A file that defines name
// but never parsed is refused with model.ErrInvalid and the file's own
// error, so that the user fixes the file instead of looking for it.
func (s *Service) Runnable(name string) (*dagdir.Entry, error) {
	e, err := s.folder.Get(name)
	if err == nil {
		return e, nil
	}
	for _, e := range s.folder.List() {
		if e.Name == name && e.DAG == nil && e.Err != nil {
			return nil, model.Errorf(model.ErrInvalid, "DAG %s is invalid: %v; fix the file", name, e.Err)
		}
	}
	if errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	// The folder's own words say which DAGs exist; keep them.
	return nil, model.Errorf(model.ErrNotFound, "%w", err)
}
