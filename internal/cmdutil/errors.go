// Package cmdutil is what every command shares: the Factory of dependencies,
// typed errors that map to exit codes, --json/--jq flags and confirmation.
package cmdutil

import (
	"errors"
	"fmt"
	"io"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/spf13/pflag"
)

// Exit codes, documented in `sipctl help exit-codes` and the README.
const (
	ExitOK       = 0
	ExitFail     = 1
	ExitUsage    = 2 // bad flags or arguments, or the user cancelled
	ExitPartial  = 3 // bulk work where some items failed
	ExitAuth     = 4 // authentication required or refused
	ExitRejected = 5 // SIP registrar rejected the credentials
	ExitNoAnswer = 6 // no answer: SIP registrar or API host unreachable
	ExitChanges  = 7 // plan (or apply --dry-run) found changes to make
)

// FlagError is a usage error: the message is printed with the command's usage hint.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf makes a usage error (exit 2).
func FlagErrorf(format string, args ...any) error {
	return &FlagError{Err: fmt.Errorf(format, args...)}
}

// ErrCancel means the user declined a confirmation (exit 2).
var ErrCancel = errors.New("cancelled")

// ErrChangesPending ends a plan that found changes to make (exit 7, for CI
// gates); the plan itself is the output, so nothing more is printed.
var ErrChangesPending = errors.New("changes pending")

// ErrSilent means the command already printed what went wrong; exit 1.
var ErrSilent = errors.New("silent error")

// AuthError means credentials are missing or were refused (exit 4).
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// PartialError ends bulk work in which some items failed (exit 3). The
// command has printed its summary; RetryCommand, when set, is printed as the
// way to retry only the failed items.
type PartialError struct {
	Failed, Total int
	RetryCommand  string
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of %d failed", e.Failed, e.Total)
}

// EachOutcome is how one change made to many items ended, given each
// item's error (nil: it succeeded): nil when every one succeeded; the first
// cause itself when every one failed (so a refused key still exits 4);
// otherwise a *PartialError (exit 3), after naming the first failure on w.
// doing names item i's change in the error ("updating desk01").
func EachOutcome(w io.Writer, errs []error, doing func(i int) string) error {
	failed := 0
	var first error
	for i, err := range errs {
		if err != nil {
			failed++
			if first == nil {
				first = fmt.Errorf("%s: %w", doing(i), err)
			}
		}
	}
	switch {
	case failed == 0:
		return nil
	case failed == len(errs):
		return first
	}
	fmt.Fprintf(w, "first failure: %v\n", first)
	return &PartialError{Failed: failed, Total: len(errs)}
}

// ExitError carries a specific exit code (e.g. ExitRejected) with its message.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// HintError adds a hint line to an error's one-line message.
type HintError struct {
	Err  error
	Hint string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }

// WithHint attaches a hint the error printer shows after the message.
func WithHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &HintError{Err: err, Hint: hint}
}

// NotFoundError is an unknown name or a missing resource (exit 1, like every
// provider's not-found error: errors.Is matches provider.ErrNotFound).
type NotFoundError struct{ Err error }

func (e *NotFoundError) Error() string        { return e.Err.Error() }
func (e *NotFoundError) Unwrap() error        { return e.Err }
func (e *NotFoundError) Is(target error) bool { return target == provider.ErrNotFound }

// NotFoundf makes a not-found error (exit 1).
func NotFoundf(format string, args ...any) error {
	return &NotFoundError{Err: fmt.Errorf(format, args...)}
}

// FlagParseError is a flag the parser refused, as a usage error. A value
// given to a switch (--password-stdin=…, --with-token=…) is not repeated:
// someone who typed a secret there must not see it again in a log.
func FlagParseError(err error) error {
	var iv *pflag.InvalidValueError
	if errors.As(err, &iv) && iv.GetFlag() != nil && iv.GetFlag().Value.Type() == "bool" {
		return FlagErrorf("--%s is a switch: give it alone (or =true, =false); the value given is not shown", iv.GetFlag().Name)
	}
	return &FlagError{Err: err}
}
