// Package keyring stores secrets in the operating system's keyring (Secret
// Service on Linux, Keychain on macOS, Credential Manager on Windows) through
// zalando/go-keyring, with every call bounded by a timeout and every failure
// turned into one of three typed errors a user can act on.
//
// The timeout exists because a Secret Service can hang: a locked collection
// waiting for an unlock prompt nobody sees, or a D-Bus peer that never
// answers. A hung call leaves its goroutine behind; for a CLI that exits
// moments later that is the right trade.
package keyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	gokeyring "github.com/zalando/go-keyring"
)

// Service is the keyring service name every sipctl secret is stored under.
const Service = "sipctl"

// DefaultTimeout bounds each keyring call unless SetTimeout says otherwise.
const DefaultTimeout = 5 * time.Second

// Sentinel kinds; test with errors.Is.
var (
	// ErrUnavailable: there is no keyring to talk to (no Secret Service on
	// the session bus, no D-Bus session, a refused call).
	ErrUnavailable = errors.New("OS keyring unavailable")
	// ErrTimeout: the keyring did not answer in time.
	ErrTimeout = errors.New("OS keyring did not answer")
	// ErrNotFound: the keyring works but holds no such secret.
	ErrNotFound = errors.New("secret not found in the OS keyring")
)

// Error is a failed keyring call. Its message never contains the secret.
type Error struct {
	Op      string // "read", "store" or "delete"
	Key     string
	Kind    error // ErrUnavailable, ErrTimeout or ErrNotFound
	Timeout time.Duration
	Err     error // the backend's error, when there was one
}

func (e *Error) Error() string {
	switch e.Kind {
	case ErrTimeout:
		return fmt.Sprintf("OS keyring did not answer within %s (%s %s); it may be locked and waiting for an unlock prompt, or hung; raise keyring_timeout or SIPCTL_KEYRING_TIMEOUT if it is just slow",
			e.Timeout, e.Op, e.Key)
	case ErrNotFound:
		return fmt.Sprintf("no secret for %s in the OS keyring (service %s)", e.Key, Service)
	default:
		cause := ""
		if errors.Is(e.Err, exec.ErrNotFound) {
			// go-keyring starts dbus-launch when no session bus is set.
			cause = ": no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset and dbus-launch is not installed)"
		} else if e.Err != nil {
			cause = ": " + firstLine(e.Err.Error())
		}
		return fmt.Sprintf("OS keyring unavailable (%s %s)%s", e.Op, e.Key, cause)
	}
}

// Is matches the kind, so errors.Is(err, keyring.ErrTimeout) works.
func (e *Error) Is(target error) bool { return target == e.Kind }

func (e *Error) Unwrap() error { return e.Err }

var timeout atomic.Int64

func init() { timeout.Store(int64(DefaultTimeout)) }

// SetTimeout bounds every later keyring call; d <= 0 restores the default.
func SetTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultTimeout
	}
	timeout.Store(int64(d))
}

// Timeout is the current bound on one keyring call.
func Timeout() time.Duration { return time.Duration(timeout.Load()) }

// ParseTimeout reads a timeout setting: a Go duration ("5s", "1500ms") or a
// plain number of seconds.
func ParseTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, serr := strconv.ParseFloat(s, 64)
		if serr != nil {
			return 0, fmt.Errorf("invalid keyring timeout %q: use a duration such as 5s or 1500ms", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d <= 0 {
		return 0, fmt.Errorf("invalid keyring timeout %q: must be positive", s)
	}
	return d, nil
}

// backend is the keyring implementation; tests swap it for one that hangs.
type backend interface {
	Get(service, key string) (string, error)
	Set(service, key, secret string) error
	Delete(service, key string) error
}

type goKeyring struct{}

func (goKeyring) Get(s, k string) (string, error) { return gokeyring.Get(s, k) }
func (goKeyring) Set(s, k, v string) error        { return gokeyring.Set(s, k, v) }
func (goKeyring) Delete(s, k string) error        { return gokeyring.Delete(s, k) }

var impl backend = goKeyring{}

// Get reads the secret stored under service and key.
func Get(service, key string) (string, error) {
	var secret string
	b := impl // read here: an abandoned call must not race with a later swap
	err := bounded("read", key, func() error {
		var err error
		secret, err = b.Get(service, key)
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Set stores secret under service and key, replacing any previous one.
func Set(service, key, secret string) error {
	b := impl
	return bounded("store", key, func() error { return b.Set(service, key, secret) })
}

// Delete removes the secret under service and key; ErrNotFound if none.
func Delete(service, key string) error {
	b := impl
	return bounded("delete", key, func() error { return b.Delete(service, key) })
}

func bounded(op, key string, call func() error) error {
	d := Timeout()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error, 1) // buffered: a call that returns after the timeout must not block forever
	go func() { done <- call() }()
	select {
	case err := <-done:
		return classify(op, key, d, err)
	case <-ctx.Done():
		return &Error{Op: op, Key: key, Kind: ErrTimeout, Timeout: d}
	}
}

func classify(op, key string, d time.Duration, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gokeyring.ErrNotFound):
		return &Error{Op: op, Key: key, Kind: ErrNotFound}
	case isTimeout(err):
		return &Error{Op: op, Key: key, Kind: ErrTimeout, Timeout: d, Err: err}
	default:
		return &Error{Op: op, Key: key, Kind: ErrUnavailable, Err: err}
	}
}

// isTimeout recognises a backend that gave up waiting itself, such as a
// D-Bus call that got no reply.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var t interface{ Timeout() bool }
	if errors.As(err, &t) && t.Timeout() {
		return true
	}
	return strings.Contains(err.Error(), "org.freedesktop.DBus.Error.NoReply") ||
		strings.Contains(err.Error(), "org.freedesktop.DBus.Error.Timeout")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
