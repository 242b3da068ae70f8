package aws

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/meshflow/meshflow/backend/cloud"
	"github.com/meshflow/meshflow/backend/model"
)

// kinds maps EC2's error codes (API reference, "Error codes") to the
// model's kinds. Codes not listed fall back on the HTTP status.
var kinds = map[string]error{
	"InvalidInstanceID.NotFound":    model.ErrNotFound,
	"InvalidInstanceID.Malformed":   model.ErrNotFound,
	"InvalidAddress.NotFound":       model.ErrNotFound,
	"InvalidAllocationID.NotFound":  model.ErrNotFound,
	"InvalidAssociationID.NotFound": model.ErrNotFound,

	"IncorrectInstanceState":      model.ErrConflict,
	"IncorrectState":              model.ErrConflict,
	"IdempotentParameterMismatch": model.ErrConflict,
	"InvalidKeyPair.Duplicate":    model.ErrConflict,
	"InvalidGroup.Duplicate":      model.ErrConflict,
	"InvalidIPAddress.InUse":      model.ErrConflict,

	"RequestLimitExceeded":         model.ErrUnavailable,
	"Throttling":                   model.ErrUnavailable,
	"Unavailable":                  model.ErrUnavailable,
	"ServiceUnavailable":           model.ErrUnavailable,
	"InternalError":                model.ErrUnavailable,
	"InsufficientInstanceCapacity": model.ErrUnavailable,
	"InsufficientAddressCapacity":  model.ErrUnavailable,

	"UnsupportedHibernationConfiguration": cloud.ErrNotSupported,
	"UnsupportedOperation":                cloud.ErrNotSupported,

	"UnauthorizedOperation": model.ErrInvalid,
	"AuthFailure":           model.ErrInvalid,
	"InvalidClientTokenId":  model.ErrInvalid,
	"SignatureDoesNotMatch": model.ErrInvalid,
	"OptInRequired":         model.ErrInvalid,
	"Blocked":               model.ErrInvalid,
}

// fail wraps an SDK error as the cloud.Error a user reads, with EC2's code
// and message when EC2 answered, after the SDK's own retries.
func (p *Provider) fail(op string, err error) error {
	e := &cloud.Error{Kind: model.CloudAWS, Connection: p.conn, Op: op, Err: err}
	var ae smithy.APIError
	var quota ratelimit.QuotaExceededError
	var send *smithyhttp.RequestSendError
	switch {
	case errors.As(err, &ae):
		e.Code, e.Message = ae.ErrorCode(), ae.ErrorMessage()
		e.Is = kinds[e.Code]
		var status interface{ HTTPStatusCode() int }
		if e.Is == nil && errors.As(err, &status) {
			switch s := status.HTTPStatusCode(); {
			case s >= 500:
				e.Is = model.ErrUnavailable
			case s >= 400:
				e.Is = model.ErrInvalid
			}
		}
	case errors.As(err, &quota):
		e.Message, e.Is = "too many failed calls in a row; the SDK has paused its retries", model.ErrUnavailable
	case errors.As(err, &send):
		e.Message, e.Is = "cannot reach EC2: "+send.Err.Error(), model.ErrUnavailable
	}
	return e.Hide(p.secrets...)
}

// isAuthError reports whether the cloud refused the credentials.
func isAuthError(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "AuthFailure", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnauthorizedOperation", "AccessDenied", "ExpiredToken":
		return true
	}
	return false
}

// is reports whether err carries EC2's code.
func is(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}
