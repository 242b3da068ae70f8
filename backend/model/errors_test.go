package model_test

import (
	"errors"
	"io"
	"strings"
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

func TestErrorSummary(t *testing.T) {
	for in, want := range map[string]string{
		"exit status 1": "exit status 1",
		"exit status 1; stderr:\nconnecting\npsql: refused": "exit status 1; stderr: psql: refused",
		"first line\nsecond line":                           "first line",
		"  padded\n":                                        "padded",
	} {
		if got := model.ErrorSummary(in, 200); got != want {
			t.Errorf("ErrorSummary(%q) = %q, want %q", in, got, want)
		}
	}
	if got := model.ErrorSummary(strings.Repeat("é", 100), 11); got != "ééééé…" {
		t.Errorf("cut summary = %q", got)
	}
}
