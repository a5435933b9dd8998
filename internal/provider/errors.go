package provider

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Code is the provider-neutral class of an error, as the Go CDK's
// gcerrors.Code: the error printer, exit codes and bulk work decide by it,
// so none of them imports a provider client. Each provider maps its own
// errors to a Code (the ErrorCode method of its error types).
type Code int

const (
	// Unknown: no class applies; the message is all there is (exit 1).
	Unknown Code = iota
	// NotFound: the named resource does not exist (exit 1).
	NotFound
	// Exists: what was to be created is already there (exit 1).
	Exists
	// Auth: the provider refused the credentials (exit 4).
	Auth
	// RateLimited: the provider asked sipctl to slow down; the request was
	// not processed (exit 1).
	RateLimited
	// Unavailable: no answer came (unreachable, reset, timeout, cut short)
	// (exit 6). Whether the request may have been applied is MaybeApplied's.
	Unavailable
	// Invalid: the provider refused a value sent (exit 1).
	Invalid
)

var codeNames = [...]string{"unknown", "not found", "exists", "auth", "rate limited", "unavailable", "invalid"}

func (c Code) String() string {
	if c < 0 || int(c) >= len(codeNames) {
		return fmt.Sprintf("Code(%d)", int(c))
	}
	return codeNames[c]
}

// Coder is implemented by provider error types: their neutral class.
type Coder interface {
	ErrorCode() Code
}

// Hinter is implemented by errors that know what the user can do about
// them; the hint is printed on the line after the error.
type Hinter interface {
	ErrorHint() string
}

// ErrorCode is err's neutral class: the first Coder in its chain, else what
// the chain matches (ErrNotFound, ErrExists, a deadline), else Unknown.
func ErrorCode(err error) Code {
	if err == nil {
		return Unknown
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return NotFound
	case errors.Is(err, ErrExists):
		return Exists
	case errors.Is(err, context.DeadlineExceeded):
		return Unavailable
	}
	return Unknown
}

// Hint is the first non-empty hint in err's chain ("" for none).
func Hint(err error) string {
	for e := err; e != nil; {
		if h, ok := e.(Hinter); ok {
			if s := h.ErrorHint(); s != "" {
				return s
			}
		}
		switch x := e.(type) {
		case interface{ Unwrap() error }:
			e = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				if s := Hint(inner); s != "" {
					return s
				}
			}
			return ""
		default:
			return ""
		}
	}
	return ""
}

// ErrConflict is matched by a create that lost a race for its name to
// another run creating the same at the same time: what it made was removed
// again, and what stands is the other run's (so it is not ErrExists, which
// callers may take as their own earlier attempt).
var ErrConflict = errors.New("conflict")

// UnavailableError is a request that got no (complete) answer: the host
// could not be reached, reset or closed the connection, did not answer in
// time, or cut its answer short. Every HTTP provider client returns it for
// transport failures (httpapi.Send makes it), with Written saying whether
// the request may have reached the provider.
type UnavailableError struct {
	// Host is the host:port the request went to.
	Host string
	// Err is the transport's error.
	Err error
	// Written is false only when the request failed before any of it was
	// written to the connection (no connection, a refused dial, a TLS
	// failure, cancelled before sending): then it was definitely not
	// applied. True means the provider may have received it and applied
	// it, whatever came back.
	Written bool
	// Timeout is set when the attempt ran out of its own time.
	Timeout time.Duration
}

func (e *UnavailableError) Error() string {
	switch {
	case e.Timeout > 0:
		return fmt.Sprintf("no answer from %s within %s", e.Host, e.Timeout)
	case errors.Is(e.Err, context.Canceled):
		return fmt.Sprintf("request to %s cancelled", e.Host)
	case errors.Is(e.Err, context.DeadlineExceeded):
		return fmt.Sprintf("no answer from %s in time", e.Host)
	}
	return fmt.Sprintf("cannot reach %s: %v", e.Host, rootCause(e.Err))
}

func (e *UnavailableError) Unwrap() error { return e.Err }

// ErrorCode is Unavailable.
func (e *UnavailableError) ErrorCode() Code { return Unavailable }

// MaybeApplied reports whether the provider may have applied the request:
// true unless it failed before being written.
func (e *UnavailableError) MaybeApplied() bool { return e.Written }

// ErrorHint says what to check.
func (e *UnavailableError) ErrorHint() string {
	if errors.Is(e.Err, context.Canceled) {
		return ""
	}
	return "check the network and the profile's API URL (`sipctl profile show`)"
}

// NoAnswer marks "no answer from the API" (exit 6).
func (e *UnavailableError) NoAnswer() bool { return true }

// NotWritten reports whether err says a request failed before any of it
// was written: the one transport failure that definitely changed nothing.
// Custody counts such a write as refused, every other failure without a
// definite answer as unknown.
func NotWritten(err error) bool {
	var u *UnavailableError
	return errors.As(err, &u) && !u.Written
}

// MaybeApplied reports whether a failed write may nevertheless have been
// applied: an UnavailableError that was written, or any error in whose
// chain something says so (an answer too large to read, for one).
func MaybeApplied(err error) bool {
	var m interface{ MaybeApplied() bool }
	return errors.As(err, &m) && m.MaybeApplied()
}

// rootCause strips the url.Error and net.OpError wrappers that repeat the
// method and address, keeping the reason a person can act on.
func rootCause(err error) error {
	for err != nil {
		u := errors.Unwrap(err)
		if u == nil {
			return err
		}
		err = u
	}
	return err
}
