package twilio

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/sipctl/sipctl/internal/provider"
)

// APIError is Twilio's error body: {code, message, more_info, status}.
type APIError struct {
	Status   int    `json:"status"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	// Method and Path say which request failed (path without query).
	Method string `json:"-"`
	Path   string `json:"-"`
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	if e.Code != 0 {
		return fmt.Sprintf("Twilio error %d: %s", e.Code, msg)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, msg)
}

// Is lets errors.Is(err, provider.ErrNotFound) match a 404, and
// provider.ErrExists a domain name that is taken (21232, for a name sipctl
// has already checked) or a 409.
func (e *APIError) Is(target error) bool {
	switch target {
	case provider.ErrNotFound:
		return e.Status == http.StatusNotFound || e.Code == 20404
	case provider.ErrExists:
		return e.Code == 21232 || e.Status == http.StatusConflict
	}
	return false
}

// Unauthorized reports whether the provider refused the credentials.
func (e *APIError) Unauthorized() bool {
	return e.Status == http.StatusUnauthorized || e.Code == 20003
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
	case e.Status == http.StatusConflict:
		return provider.Exists
	case e.Status >= 400 && e.Status < 500:
		return provider.Invalid
	}
	return provider.Unknown
}

// ErrorHint is what to do about the error: sipctl's advice for its code,
// else Twilio's more_info page.
func (e *APIError) ErrorHint() string {
	if e.Unauthorized() {
		return "the provider refused the credentials; check them with `sipctl auth status`"
	}
	if h := Hint(e.Code); h != "" {
		return h
	}
	if e.MoreInfo != "" {
		return "see " + e.MoreInfo
	}
	return ""
}

func decodeError(status int, body []byte, r Request) *APIError {
	e := &APIError{}
	if json.Unmarshal(body, e) != nil || (e.Code == 0 && e.Message == "") {
		e = &APIError{Message: http.StatusText(status)}
	}
	e.Status = status
	e.Method = r.Method
	e.Path = pathOnly(r.Path)
	return e
}

// UnreachableError says the API host gave no answer, and why: the
// provider-neutral *provider.UnavailableError, whose Written tells a request
// that never left from one that may have been applied.
type UnreachableError = provider.UnavailableError
