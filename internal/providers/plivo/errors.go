package plivo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/provider"
)

// APIError is a Plivo error answer: {"api_id": "…", "error": "…"}, where
// error is a sentence or, for some validation failures, an object naming
// the fields.
type APIError struct {
	Status  int
	Message string
	APIID   string
	Method  string
	Path    string
}

// Error is one line: `Plivo: HTTP 404: not found`.
func (e *APIError) Error() string {
	msg := strings.Join(strings.Fields(e.Message), " ")
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("Plivo: HTTP %d: %s", e.Status, msg)
}

// Is lets errors.Is match provider.ErrNotFound (404). Plivo has no
// "exists" answer: it makes a new username for every create, so the
// client finds a repeated one itself before asking.
func (e *APIError) Is(target error) bool {
	return target == provider.ErrNotFound && e.Status == http.StatusNotFound
}

// Unauthorized reports refused credentials (401): exit 4.
func (e *APIError) Unauthorized() bool { return e.Status == http.StatusUnauthorized }

// RateLimited reports a 429; bulk work lowers its concurrency.
func (e *APIError) RateLimited() bool { return e.Status == http.StatusTooManyRequests }

// Temporary reports an error worth retrying later.
func (e *APIError) Temporary() bool { return e.RateLimited() || e.Status >= 500 }

// ErrorCode maps the answer to its provider-neutral class.
func (e *APIError) ErrorCode() provider.Code {
	switch {
	case e.Unauthorized():
		return provider.Auth
	case e.RateLimited():
		return provider.RateLimited
	case e.Status == http.StatusNotFound:
		return provider.NotFound
	case e.Status >= 400 && e.Status < 500:
		return provider.Invalid
	}
	return provider.Unknown
}

// ErrorHint is what to do about the error, for the one-line hint.
func (e *APIError) ErrorHint() string {
	switch {
	case e.Unauthorized():
		return "Plivo refused the Auth ID and Auth Token (regenerated or mistyped?): run `sipctl auth login --provider plivo --auth-id ID`, or set PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN"
	case e.Status == http.StatusForbidden:
		return "these credentials may not do this: check --subaccount and that the subaccount is enabled"
	case e.RateLimited():
		return "Plivo is rate limiting this account (300 requests per 5 seconds): wait a moment and run the command again, or lower --concurrency"
	case e.Status == http.StatusNotFound:
		return "it does not exist in this Plivo account: check the name or id, --profile and --subaccount"
	case e.Status == http.StatusBadRequest:
		return "Plivo rejected a value: fix it and run the command again"
	}
	return ""
}

func decodeError(status int, body []byte, r Request) *APIError {
	e := &APIError{Status: status, Method: r.Method, Path: httpapi.PathOnly(r.Path)}
	var doc struct {
		APIID   string          `json:"api_id"`
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return e
	}
	e.APIID = doc.APIID
	e.Message = errorText(doc.Error)
	if e.Message == "" {
		e.Message = doc.Message
	}
	return e
}

// errorText flattens Plivo's error field: a string, or an object of field
// names to messages (strings or lists of them), sorted by field.
func errorText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return ""
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		var one string
		var many []string
		switch {
		case json.Unmarshal(fields[k], &one) == nil:
			parts = append(parts, k+": "+one)
		case json.Unmarshal(fields[k], &many) == nil:
			parts = append(parts, k+": "+strings.Join(many, ", "))
		}
	}
	return strings.Join(parts, "; ")
}
