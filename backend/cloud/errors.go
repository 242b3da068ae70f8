package cloud

import (
	"errors"
	"net/url"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// ErrNotSupported is what a provider answers for an operation its cloud,
// or this VM, cannot do: suspend on an EC2 instance launched without
// hibernation, any lifecycle verb on a static SSH host. It matches
// model.ErrInvalid: the user asked for something that cannot be.
var ErrNotSupported = model.Errorf(model.ErrInvalid, "not supported")

// Error is a cloud's refusal or failure as a user sees it: which cloud and
// connection, what meshflow asked for, and the cloud's own code and
// message, so the user can look it up in the cloud's documentation.
//
//	aws connection "lab": stop i-0abc: IncorrectInstanceState: The instance 'i-0abc' is not in a state from which it can be stopped.
type Error struct {
	Kind       model.CloudKind
	Connection string
	Op         string // "stop i-0abc", "list", "create lab-ann-3"
	Code       string // the cloud's error code, if it gives one
	Message    string // the cloud's message
	// Is is the model's error kind it matches (model.ErrNotFound for an
	// unknown instance, model.ErrConflict for a wrong state,
	// model.ErrUnavailable for throttling and outages, ErrNotSupported), or
	// nil when none fits.
	Is error
	// Err is the underlying error (the SDK's), for errors.As.
	Err error

	// hidden are the secrets Error masks (see Hide), behind a pointer so
	// that printing the struct with %+v shows an address, not them.
	hidden *[]string
}

// Hide makes the error mask each of secrets wherever it says them, and
// returns it. A cloud may quote a request back in its message — the
// session token header, a Keystone body with the password — and that
// message is shown, logged and stored: the adapters hide their
// connection's secrets in every error they make from the cloud's words,
// once its Message is set. Err, the SDK's error, stays as it was, for
// errors.As: print the Error, never the struct.
func (e *Error) Hide(secrets ...string) *Error {
	if e.hidden == nil {
		e.hidden = new([]string)
	}
	for _, s := range secrets {
		// Masking a letter or two would garble the message and hide
		// nothing worth hiding.
		if len(s) >= 4 {
			*e.hidden = append(*e.hidden, s, url.QueryEscape(s))
		}
	}
	e.Message = e.mask(e.Message)
	return e
}

func (e *Error) mask(s string) string {
	if e.hidden == nil {
		return s
	}
	for _, secret := range *e.hidden {
		s = strings.ReplaceAll(s, secret, "[secret]")
	}
	return s
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	if e.Connection != "" {
		b.WriteString(` connection "` + e.Connection + `"`)
	}
	b.WriteString(": " + e.Op)
	switch {
	case e.Code != "" && e.Message != "":
		b.WriteString(": " + e.Code + ": " + e.Message)
	case e.Code != "":
		b.WriteString(": " + e.Code)
	case e.Message != "":
		b.WriteString(": " + e.Message)
	case e.Err != nil:
		b.WriteString(": " + e.Err.Error())
	}
	return e.mask(b.String())
}

// Unwrap lets errors.Is match the model's kind and errors.As the SDK's
// error.
func (e *Error) Unwrap() []error {
	var out []error
	if e.Is != nil {
		out = append(out, e.Is)
	}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}

// Code returns the cloud's error code in err, or "".
func Code(err error) string {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}
