package model

import (
	"errors"
	"fmt"
)

// The error vocabulary every layer speaks. Packages wrap these with what
// and where ("run 12 already ended: success: conflict"); the faces map them
// to a status in one place each (the UI's fail, the API's reply), so a
// user's mistake is never answered as a server failure.
var (
	// ErrNotFound: the thing asked for does not exist (a DAG, a run, a
	// task, a variable).
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the request itself is wrong and the caller can fix it
	// (a bad param value, a malformed name). HTTP 422.
	ErrInvalid = errors.New("invalid input")
	// ErrConflict: the request is well formed but the thing is not in a
	// state that allows it (cancel an ended run, clear a running task).
	// HTTP 409.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the system cannot do it now (stopped, starting,
	// busy); trying again later may work. HTTP 503.
	ErrUnavailable = errors.New("unavailable")
)

// Particular refusals more than one layer tests for.
var (
	// ErrDuplicateRun: a scheduled time already has its run (at most one
	// run per DAG and scheduled time, whatever crashes and restarts
	// happen). It matches ErrConflict.
	ErrDuplicateRun = Errorf(ErrConflict, "a run for this scheduled time exists already")
)

// Errorf formats an error meant for the user as it reads, which matches
// kind (one of the sentinels above) with errors.Is without repeating its
// text: Errorf(ErrConflict, "run %d already ended: %s", 1, "success")
// reads "run 1 already ended: success". A %w in format wraps as in
// fmt.Errorf.
func Errorf(kind error, format string, args ...any) error {
	return &kinded{err: fmt.Errorf(format, args...), kind: kind}
}

type kinded struct {
	err  error
	kind error
}

func (e *kinded) Error() string   { return e.err.Error() }
func (e *kinded) Unwrap() []error { return []error{e.err, e.kind} }
