package cloud

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
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

// A cloud that quotes the request back — in its message, or in the SDK
// error only — shows the connection's secrets masked, plain or as they
// travel in a query string; a secret too short to matter is left alone.
func TestErrorHidesTheSecretsACloudQuotesBack(t *testing.T) {
	const token = "tok/en+with=signs"
	quoted := (&Error{Kind: model.CloudAWS, Op: "list", Code: "AuthFailure", Message: "token " + token + " refused"}).Hide(token, "")
	inErr := (&Error{Kind: model.CloudOpenStack, Op: "authenticate", Err: errors.New("Expected HTTP 201, got 401: password=" + url.QueryEscape(token))}).Hide(token)
	for _, err := range []*Error{quoted, inErr} {
		if got := err.Error(); strings.Contains(got, "with") || !strings.Contains(got, "[secret]") {
			t.Errorf("error = %q, want the token masked", got)
		}
	}
	if dump := fmt.Sprintf("%+v %#v", *quoted, *quoted); strings.Contains(dump, "with=") {
		t.Errorf("the error printed as a struct shows the secrets it hides: %s", dump)
	}
	if got := (&Error{Op: "list", Message: "abc"}).Hide("abc").Error(); !strings.Contains(got, "abc") {
		t.Errorf("a three-letter secret masked the message: %q", got)
	}
}
