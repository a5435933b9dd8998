package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/sipctl/sipctl/internal/provider"
)

// What a run buffers of API answers is bounded in two tiers, so concurrent
// huge answers cannot multiply into gigabytes: every answer may hold up to
// SmallAnswer bytes (a page of a thousand items is well under it), and only
// LargeAnswers answers at a time may grow past it, up to MaxAnswer each; the
// others wait for a turn. At Twilio's 100 requests in flight that is at most
// 100 MiB + 2 × 64 MiB.
const (
	MaxAnswer    = 64 << 20
	SmallAnswer  = 1 << 20
	LargeAnswers = 2
)

// The limits ReadAnswer applies; tests lower them.
var (
	maxAnswer   int64 = MaxAnswer
	smallAnswer int64 = SmallAnswer
	large             = make(chan struct{}, LargeAnswers)
	// onLargeWait is called when an answer starts waiting for a turn to
	// grow past smallAnswer (tests).
	onLargeWait func()
)

// held counts the answer bytes ReadAnswer has handed out and not yet been
// told are released; peak is its highest value (tests and benchmarks).
var held, peak atomic.Int64

// TooLargeError is an answer longer than MaxAnswer. Nothing of it is used;
// the request it answered may have been applied.
type TooLargeError struct {
	Method, Path string
	Limit        int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the answer to %s %s is larger than %d MiB, the most sipctl reads; nothing of it was used",
		e.Method, e.Path, e.Limit>>20)
}

// ErrorHint says where such an answer comes from.
func (e *TooLargeError) ErrorHint() string {
	return "the API (or a proxy in front of it) sent an oversized answer; check the profile's API URL (`sipctl profile show`)"
}

// ErrorCode is Unknown: an answer came, but not one to act on.
func (e *TooLargeError) ErrorCode() provider.Code { return provider.Unknown }

// MaybeApplied is true: the request reached the provider.
func (e *TooLargeError) MaybeApplied() bool { return true }

// ReadAnswer reads a whole answer body within the bounds above and returns
// it with a release function the caller calls once done with the bytes
// (after decoding them). An answer over MaxAnswer is a *TooLargeError; a
// body cut short is the reader's error. method and path name the request in
// errors. Waiting for a turn to read a large answer ends with ctx.
func ReadAnswer(ctx context.Context, body io.Reader, method, path string) ([]byte, func(), error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(body, smallAnswer+1))
	if err != nil {
		return nil, func() {}, err
	}
	bigTurn := false
	if n > smallAnswer {
		track(n)
		select {
		case large <- struct{}{}:
		default:
			if onLargeWait != nil {
				onLargeWait()
			}
			select {
			case large <- struct{}{}:
			case <-ctx.Done():
				track(-n)
				return nil, func() {}, ctx.Err()
			}
		}
		bigTurn = true
		track(-n)
		m, err := io.Copy(&buf, io.LimitReader(body, maxAnswer-n+1))
		n += m
		if err == nil && n > maxAnswer {
			err = &TooLargeError{Method: method, Path: PathOnly(path), Limit: maxAnswer}
		}
		if err != nil {
			<-large
			return nil, func() {}, err
		}
	}
	data := buf.Bytes()
	track(int64(len(data)))
	var done atomic.Bool
	release := func() {
		if done.CompareAndSwap(false, true) {
			track(-int64(len(data)))
			if bigTurn {
				<-large
			}
		}
	}
	return data, release, nil
}

func track(n int64) {
	v := held.Add(n)
	for {
		p := peak.Load()
		if v <= p || peak.CompareAndSwap(p, v) {
			return
		}
	}
}

// IsTooLarge reports whether err is an oversized answer.
func IsTooLarge(err error) bool {
	var t *TooLargeError
	return errors.As(err, &t)
}
