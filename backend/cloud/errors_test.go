package cloud

import (
	"errors"
	"testing"

	"github.com/meshflow/meshflow/backend/model"
)

func TestErrorSaysWhoWhatAndTheCloudsWords(t *testing.T) {
	sdk := errors.New("api error IncorrectInstanceState")
	err := error(&Error{
		Kind: model.CloudAWS, Connection: "lab", Op: "stop i-0abc",
		Code: "IncorrectInstanceState", Message: "The instance 'i-0abc' is not in a state from which it can be stopped.",
		Is: model.ErrConflict, Err: sdk,
	})
	want := `aws connection "lab": stop i-0abc: IncorrectInstanceState: The instance 'i-0abc' is not in a state from which it can be stopped.`
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if !errors.Is(err, model.ErrConflict) || !errors.Is(err, sdk) || Code(err) != "IncorrectInstanceState" {
		t.Errorf("error does not match its kind, its cause and its code")
	}
	unsupported := error(&Error{Kind: model.CloudHosts, Op: "stop web1", Message: "a static host has no lifecycle", Is: ErrNotSupported})
	if !errors.Is(unsupported, ErrNotSupported) || !errors.Is(unsupported, model.ErrInvalid) {
		t.Error("a not-supported error does not match ErrNotSupported and model.ErrInvalid")
	}
}
