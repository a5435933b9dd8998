package rotate

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"

	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
)

// Outcome is what one write did at the provider, as far as sipctl can tell.
type Outcome int

const (
	// Applied: the provider confirmed the write.
	Applied Outcome = iota
	// Refused: a definite answer that nothing changed (a 4xx the provider
	// explains, a 429, an account that is gone or taken), or a failure
	// before the request was written (no connection, a request that would
	// leave the API's origin).
	Refused
	// Unknown: anything else. The request may have reached the provider
	// and been applied: the connection was reset or closed, or timed out,
	// after the request was written; a 5xx; an answer sipctl cannot read
	// (malformed or oversized); a 404 for an account that exists. Its
	// password is kept on record and sent again.
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case Applied:
		return "applied"
	case Refused:
		return "refused"
	}
	return "unknown"
}

// UnknownError marks an error whose write may have been applied, whatever
// its cause looks like (a 404 for an account a lookup then found).
type UnknownError struct{ Err error }

func (e *UnknownError) Error() string { return e.Err.Error() }
func (e *UnknownError) Unwrap() error { return e.Err }

// OutcomeUnknown is the behaviour Classify matches.
func (e *UnknownError) OutcomeUnknown() bool { return true }

// Unconfirmed wraps err as an Unknown outcome.
func Unconfirmed(err error) error {
	if err == nil {
		return nil
	}
	return &UnknownError{Err: err}
}

// Classify tells a write's outcome from its error. Only what is known to
// have changed nothing is Refused; everything sipctl cannot place is
// Unknown, since calling it refused would drop a password that may be live.
func Classify(err error) Outcome {
	if err == nil {
		return Applied
	}
	var u interface{ OutcomeUnknown() bool }
	if errors.As(err, &u) && u.OutcomeUnknown() {
		return Unknown
	}
	if errors.Is(err, provider.ErrNotFound) || errors.Is(err, provider.ErrExists) {
		return Refused
	}
	if notSent(err) {
		return Refused
	}
	if transport(err) {
		return Unknown
	}
	var rl interface{ RateLimited() bool }
	if errors.As(err, &rl) && rl.RateLimited() {
		// A 429 is an answer that the request was not processed.
		return Refused
	}
	var ra *httpsafe.RetryAfterError
	if errors.As(err, &ra) {
		return Refused // a 429 or 503 with a Retry-After: not processed
	}
	var ex interface{ Explained() bool }
	if errors.As(err, &ex) && !ex.Explained() {
		return Unknown // an answer sipctl cannot read is no refusal
	}
	var t interface{ Temporary() bool }
	if errors.As(err, &t) {
		if t.Temporary() {
			return Unknown // 5xx: the server may have applied it
		}
		return Refused // a 4xx the provider explained
	}
	return Unknown
}

// notSent reports a failure before the request was written: nothing can
// have changed.
func notSent(err error) bool {
	var off *httpsafe.OffOriginError
	if errors.As(err, &off) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// transport reports a failure of the connection or of reading the answer:
// the request may have been written, so the outcome is unknown.
func transport(err error) bool {
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// Rejected reports a definite refusal by the provider: the password was
// not set. It is Classify(err) == Refused.
func Rejected(err error) bool { return err != nil && Classify(err) == Refused }
