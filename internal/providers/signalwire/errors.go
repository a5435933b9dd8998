package signalwire

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/provider"
)

// ErrorItem is one entry of SignalWire's error lists. The relay REST API
// answers {"errors":[{"detail","status","title","code"}]} (a validation
// error); the newer APIs {"errors":[{"type","code","message","attribute","url"}]}.
// Other errors are {"error":"Not Found"}.
type ErrorItem struct {
	Detail    string `json:"detail,omitempty"`
	Status    string `json:"status,omitempty"`
	Title     string `json:"title,omitempty"`
	Code      string `json:"code,omitempty"`
	Type      string `json:"type,omitempty"`
	Message   string `json:"message,omitempty"`
	Attribute string `json:"attribute,omitempty"`
	URL       string `json:"url,omitempty"`
}

func (i ErrorItem) text() string {
	s := i.Detail
	if s == "" {
		s = i.Message
	}
	if s == "" {
		s = i.Title
	}
	if i.Attribute != "" && !strings.Contains(strings.ToLower(s), strings.ToLower(i.Attribute)) {
		s = i.Attribute + ": " + s
	}
	return strings.Join(strings.Fields(s), " ")
}

// APIError is a SignalWire error answer.
type APIError struct {
	Status int
	// Message is the {"error": …} string, when that was the shape.
	Message string
	Errors  []ErrorItem
	// Request says which request failed (method and path, no query).
	Request string
}

// Error is one line: `SignalWire: HTTP 422: Username has already been taken (PUT /api/relay/rest/endpoints/sip/…)`.
func (e *APIError) Error() string {
	var parts []string
	if e.Message != "" {
		parts = append(parts, e.Message)
	}
	for _, it := range e.Errors {
		if t := it.text(); t != "" {
			parts = append(parts, t)
		}
	}
	if len(parts) == 0 {
		parts = append(parts, http.StatusText(e.Status))
	}
	return fmt.Sprintf("SignalWire: HTTP %d: %s (%s)", e.Status, strings.Join(parts, "; "), e.Request)
}

// Is lets errors.Is match provider.ErrNotFound (404) and provider.ErrExists
// (a 422 saying the username is taken).
func (e *APIError) Is(target error) bool {
	switch target {
	case provider.ErrNotFound:
		return e.Status == http.StatusNotFound
	case provider.ErrExists:
		if e.Status != http.StatusUnprocessableEntity {
			return false
		}
		for _, it := range e.Errors {
			t := strings.ToLower(it.text())
			if strings.Contains(t, "username") && (strings.Contains(t, "taken") || strings.Contains(t, "exists") || strings.Contains(t, "unique")) {
				return true
			}
		}
	}
	return false
}

// Unauthorized reports a refused project ID or token (401): exit 4.
func (e *APIError) Unauthorized() bool { return e.Status == http.StatusUnauthorized }

// RateLimited reports a 429; bulk work backs off its concurrency on it.
func (e *APIError) RateLimited() bool { return e.Status == http.StatusTooManyRequests }

// Temporary reports an error worth retrying later.
func (e *APIError) Temporary() bool { return e.RateLimited() || e.Status >= 500 }

// ErrorHint is what to do about the error, for the one-line hint.
func (e *APIError) ErrorHint() string {
	switch {
	case e.Unauthorized():
		return "SignalWire refused the project ID and API token (revoked, expired or mistyped?): run `sipctl auth login --provider signalwire`, or set SIGNALWIRE_PROJECT_ID, SIGNALWIRE_API_TOKEN and SIGNALWIRE_SPACE_URL"
	case e.Status == http.StatusForbidden:
		return "the API token may not do this: give it the Voice scope on the space's API page, and check --profile"
	case e.RateLimited():
		return "SignalWire is rate limiting this space: wait a moment and run the command again, or lower --concurrency"
	case e.Status == http.StatusNotFound:
		return "it does not exist in this SignalWire project: check the name, and --profile"
	case e.Status == http.StatusUnprocessableEntity:
		return "SignalWire rejected a field (named in the message): fix that value and run the command again"
	}
	return ""
}

// ErrorCode maps the answer to its provider-neutral class.
func (e *APIError) ErrorCode() provider.Code {
	switch {
	case e.Unauthorized():
		return provider.Auth
	case e.RateLimited():
		return provider.RateLimited
	case e.Is(provider.ErrNotFound):
		return provider.NotFound
	case e.Is(provider.ErrExists):
		return provider.Exists
	case e.Status >= 400 && e.Status < 500:
		return provider.Invalid
	}
	return provider.Unknown
}

func decodeError(status int, body []byte, r request) *APIError {
	what := r.what()
	e := &APIError{Status: status, Request: httpapi.PathOnly(what)}
	var doc struct {
		Error  json.RawMessage `json:"error"`
		Errors []ErrorItem     `json:"errors"`
	}
	if json.Unmarshal(body, &doc) == nil {
		e.Errors = doc.Errors
		var s string
		if json.Unmarshal(doc.Error, &s) == nil {
			e.Message = s
		}
	}
	return e
}
