// Package httpstatus is the one mapping between the model's error
// vocabulary and HTTP statuses, shared by the UI and the REST API (and
// read backwards by the API client), so that a refusal answers the same
// status on every face and a user's mistake is never a server error.
package httpstatus

import (
	"errors"
	"net/http"

	"github.com/meshflow/meshflow/backend/model"
)

// Of is the status err answers with: 404, 422, 409 or 503 for the model's
// kinds, 500 for anything else (a failure that is not the user's).
func Of(err error) int {
	switch {
	case errors.Is(err, model.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, model.ErrInvalid):
		return http.StatusUnprocessableEntity
	case errors.Is(err, model.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, model.ErrUnavailable):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Kind is the model's error kind an answer's status stands for, or nil.
func Kind(status int) error {
	switch status {
	case http.StatusNotFound:
		return model.ErrNotFound
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return model.ErrInvalid
	case http.StatusConflict:
		return model.ErrConflict
	case http.StatusServiceUnavailable:
		return model.ErrUnavailable
	}
	return nil
}
