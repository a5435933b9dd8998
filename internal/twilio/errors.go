package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

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

// Is lets errors.Is(err, provider.ErrNotFound) match a 404.
func (e *APIError) Is(target error) bool {
	return target == provider.ErrNotFound && (e.Status == http.StatusNotFound || e.Code == 20404)
}

// Unauthorized reports whether the provider refused the credentials.
func (e *APIError) Unauthorized() bool {
	return e.Status == http.StatusUnauthorized || e.Code == 20003
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

// UnreachableError says the API host gave no answer, and why: it could not
// be reached, or it did not answer (headers or the whole body) in time.
type UnreachableError struct {
	Host string
	Err  error
	// Timeout is set when the attempt ran out of time.
	Timeout time.Duration
}

func (e *UnreachableError) Error() string {
	switch {
	case e.Timeout > 0:
		return fmt.Sprintf("no answer from %s within %s", e.Host, e.Timeout)
	case errors.Is(e.Err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer from %s in time", e.Host)
	}
	return fmt.Sprintf("cannot reach %s: %v", e.Host, rootCause(e.Err))
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// NoAnswer marks "no answer from the API" (exit 6) for the command layer,
// which matches it by behaviour, not by provider.
func (e *UnreachableError) NoAnswer() bool { return true }

// rootCause strips the url.Error and net.OpError wrappers that repeat the
// method and address, keeping the reason a person can act on.
func rootCause(err error) error {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
}
