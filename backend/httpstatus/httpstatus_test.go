package httpstatus_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/meshflow/meshflow/backend/httpstatus"
	"github.com/meshflow/meshflow/backend/model"
)

func TestStatusesRoundTrip(t *testing.T) {
	for _, kind := range []error{model.ErrNotFound, model.ErrInvalid, model.ErrConflict, model.ErrUnavailable} {
		err := fmt.Errorf("deep down: %w", model.Errorf(kind, "run 1 already ended: success"))
		status := httpstatus.Of(err)
		if status == http.StatusInternalServerError {
			t.Errorf("%v answers 500", kind)
		}
		if back := httpstatus.Kind(status); !errors.Is(back, kind) {
			t.Errorf("%v → %d → %v", kind, status, back)
		}
	}
	if got := httpstatus.Of(errors.New("disk full")); got != http.StatusInternalServerError {
		t.Errorf("a failure that is not the user's answers %d, want 500", got)
	}
}
