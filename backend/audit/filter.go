package audit

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/meshflow/meshflow/backend/model"
)

// maxLimit bounds one page of audit events.
const maxLimit = 1000

// ParseFilter reads an audit filter from an address's query, as the API
// and the Audit page take it, refusing with model.ErrInvalid values no
// event can have.
func ParseFilter(q url.Values) (model.AuditFilter, error) {
	f := model.AuditFilter{
		Source: model.AuditSource(q.Get("source")), Action: q.Get("action"),
		Outcome: model.Outcome(q.Get("outcome")), Target: q.Get("target"),
	}
	if f.Source != "" && !slices.Contains(model.AuditSources, f.Source) {
		return f, model.Errorf(model.ErrInvalid, "source %s is not one of %s", model.Quote(string(f.Source)), oneOf(model.AuditSources))
	}
	if f.Outcome != "" && !slices.Contains(model.Outcomes, f.Outcome) {
		return f, model.Errorf(model.ErrInvalid, "outcome %s is not one of %s", model.Quote(string(f.Outcome)), oneOf(model.Outcomes))
	}
	if len(f.Action) > model.MaxAuditText || len(f.Target) > model.MaxAuditText {
		return f, model.Errorf(model.ErrInvalid, "action and target filters are at most %d bytes", model.MaxAuditText)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > maxLimit {
			return f, model.Errorf(model.ErrInvalid, "limit must be a number from 1 to %d", maxLimit)
		}
		f.Limit = n
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return f, model.Errorf(model.ErrInvalid, "before must be an event id, a positive whole number")
		}
		f.BeforeID = n
	}
	return f, nil
}

// Query is f as an address's query, the inverse of ParseFilter.
func Query(f model.AuditFilter) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{
		"source": string(f.Source), "action": f.Action, "outcome": string(f.Outcome), "target": f.Target,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Limit > 0 {
		q.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.BeforeID > 0 {
		q.Set("before", strconv.FormatInt(f.BeforeID, 10))
	}
	return q
}

// oneOf lists words for a message: "ui, desktop, api, cli".
func oneOf[T ~string](words []T) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = string(w)
	}
	return strings.Join(out, ", ")
}
