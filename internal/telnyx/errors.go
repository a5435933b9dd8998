package telnyx

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/provider"
)

// Telnyx error codes sipctl acts on.
const (
	CodeResourceNotFound     = "10005"
	CodeAuthenticationFailed = "10009"
	CodeAuthorizationFailed  = "10010"
	CodeRateLimited          = "10011"
	CodeBadRequest           = "10015"
	CodeMissingParameter     = "10004"
)

// ErrorObject is one entry of Telnyx's error body:
// {"errors":[{"code","title","detail","source":{"pointer"},"meta":{"url"}}]}.
type ErrorObject struct {
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	Source *struct {
		Pointer   string `json:"pointer,omitempty"`
		Parameter string `json:"parameter,omitempty"`
	} `json:"source,omitempty"`
	Meta *struct {
		URL string `json:"url,omitempty"`
	} `json:"meta,omitempty"`
}

// APIError is a Telnyx error answer.
type APIError struct {
	Status int
	Errors []ErrorObject
	// Method and Path say which request failed (path without query).
	Method string
	Path   string
}

// Code is the first error's code ("" when Telnyx sent none).
func (e *APIError) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// Error is one line: `Telnyx error 10015: Bad Request: user_name has
// already been taken (at /user_name)`, with further errors after "; ".
func (e *APIError) Error() string {
	if len(e.Errors) == 0 {
		return fmt.Sprintf("Telnyx: HTTP %d: %s", e.Status, http.StatusText(e.Status))
	}
	parts := make([]string, 0, len(e.Errors))
	for _, o := range e.Errors {
		s := o.Title
		if o.Detail != "" && o.Detail != o.Title {
			if s != "" {
				s += ": "
			}
			s += o.Detail
		}
		if o.Source != nil && o.Source.Pointer != "" {
			s += " (at " + o.Source.Pointer + ")"
		} else if o.Source != nil && o.Source.Parameter != "" {
			s += " (parameter " + o.Source.Parameter + ")"
		}
		parts = append(parts, strings.Join(strings.Fields(s), " "))
	}
	head := "Telnyx error"
	if c := e.Code(); c != "" {
		head += " " + c
	} else {
		head = fmt.Sprintf("Telnyx: HTTP %d", e.Status)
	}
	return head + ": " + strings.Join(parts, "; ")
}

// Is lets errors.Is match provider.ErrNotFound (404, code 10005) and
// provider.ErrExists (a 422 saying the user name is taken).
func (e *APIError) Is(target error) bool {
	switch target {
	case provider.ErrNotFound:
		return e.Status == http.StatusNotFound || e.Code() == CodeResourceNotFound
	case provider.ErrExists:
		for _, o := range e.Errors {
			if o.Source != nil && o.Source.Pointer == "/user_name" && strings.Contains(strings.ToLower(o.Detail), "taken") {
				return true
			}
		}
	}
	return false
}

// Unauthorized reports a refused API key (401, code 10009): exit 4.
func (e *APIError) Unauthorized() bool {
	return e.Status == http.StatusUnauthorized || e.Code() == CodeAuthenticationFailed
}

// RateLimited reports a 429 (code 10011). Bulk work matches it through an
// interface to back off its concurrency.
func (e *APIError) RateLimited() bool {
	return e.Status == http.StatusTooManyRequests
}

// Temporary reports an error worth retrying later.
func (e *APIError) Temporary() bool { return e.RateLimited() || e.Status >= 500 }

// Explained reports an answer that names one of Telnyx's error codes: a
// definite refusal when it is a 4xx. A 4xx sipctl cannot read may come
// from a proxy after the write was applied.
func (e *APIError) Explained() bool { return e.Code() != "" }

var hints = map[string]string{
	CodeAuthenticationFailed: "Telnyx refused the API key (revoked or mistyped?): run `sipctl auth login --provider telnyx`, or set TELNYX_API_KEY",
	CodeAuthorizationFailed:  "the API key may not do this: check its permissions in the Telnyx portal, and --profile/--subaccount",
	CodeResourceNotFound:     "it does not exist in this Telnyx account: check the name or id, and --profile",
	CodeRateLimited:          "Telnyx is rate limiting this API key: wait a moment and run the command again, or lower --concurrency",
	CodeBadRequest:           "Telnyx rejected a field (named after \"at\"): fix that value and run the command again",
	CodeMissingParameter:     "Telnyx needs a field that was not given (named after \"at\")",
}

// ErrorHint is what to do about the error, for the one-line hint.
func (e *APIError) ErrorHint() string {
	if e.Unauthorized() {
		return hints[CodeAuthenticationFailed]
	}
	if e.RateLimited() {
		return hints[CodeRateLimited]
	}
	if h := hints[e.Code()]; h != "" {
		return h
	}
	if len(e.Errors) > 0 && e.Errors[0].Meta != nil && e.Errors[0].Meta.URL != "" {
		return "see " + e.Errors[0].Meta.URL
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

func decodeError(status int, body []byte, r Request) *APIError {
	e := &APIError{Status: status, Method: r.Method, Path: httpapi.PathOnly(r.Path)}
	var doc struct {
		Errors []ErrorObject `json:"errors"`
	}
	if json.Unmarshal(body, &doc) == nil {
		e.Errors = doc.Errors
	}
	return e
}
