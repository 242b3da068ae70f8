package model_test

import (
	"errors"
	"io"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

func TestErrorfReadsAsWrittenAndMatchesItsKind(t *testing.T) {
	err := model.Errorf(model.ErrConflict, "run %d already ended: %s", 1, "success")
	if got, want := err.Error(), "run 1 already ended: success"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if !errors.Is(err, model.ErrConflict) || errors.Is(err, model.ErrNotFound) {
		t.Errorf("errors.Is: conflict %v, not found %v", errors.Is(err, model.ErrConflict), errors.Is(err, model.ErrNotFound))
	}
	wrapped := model.Errorf(model.ErrUnavailable, "read: %w", io.ErrUnexpectedEOF)
	if !errors.Is(wrapped, io.ErrUnexpectedEOF) || !errors.Is(wrapped, model.ErrUnavailable) {
		t.Error("Errorf with %w must match both the wrapped error and its kind")
	}
}
