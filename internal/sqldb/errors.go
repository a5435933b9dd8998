package sqldb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// The drivers (pgx, go-sql-driver/mysql, modernc sqlite) each spell the same
// few conditions their own way; providers ask these instead of matching
// text themselves.

// IsMissingTable says the statement named a table the database lacks.
func IsMissingTable(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "no such table") || strings.Contains(m, "does not exist") || strings.Contains(m, "doesn't exist")
}

// IsUniqueViolation says a row with the same key is already there.
func IsUniqueViolation(err error) bool {
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505") ||
		strings.Contains(m, "Error 1062") || strings.Contains(m, "Duplicate entry")
}

// IsLoginRefused says the server refused the user or password.
func IsLoginRefused(err error) bool {
	m := err.Error()
	return strings.Contains(m, "password authentication failed") || strings.Contains(m, "Access denied")
}

// IsUnreachable says the database could not be reached or opened at all
// (no answer, no file), as opposed to refusing a statement.
func IsUnreachable(err error) bool {
	var ne net.Error
	var oe *net.OpError
	msg := OneLine(err.Error())
	return errors.As(err, &ne) || errors.As(err, &oe) || strings.Contains(msg, "connection refused") ||
		strings.Contains(msg, "unable to open database file") || strings.Contains(msg, "failed to connect") ||
		strings.Contains(msg, "no such host") || strings.Contains(msg, "out of memory (14)")
}

// OneLine collapses a driver's multi-line message into one line.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Describe names the database in a driver error, on one line: a refused
// login, an unreachable database (handed to unreachable, which wraps it as
// the provider's no-answer error), or what the statement met. Context
// errors pass unchanged; nil stays nil.
func Describe(u URL, err error, unreachable func(error) error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	msg := OneLine(err.Error())
	if IsLoginRefused(err) {
		return fmt.Errorf("database %s refused the login: %s", u, msg)
	}
	if IsUnreachable(err) {
		return unreachable(err)
	}
	return fmt.Errorf("database %s: %s", u, msg)
}

// refusal marks an error a provider returned before writing anything (bad
// input, a row it will not touch, a check that failed): the rotation engine
// and custody count it as refused, not as a write that may have happened.
type refusal struct{ error }

func (r refusal) Unwrap() error { return r.error }

// Temporary is false: the same request would be refused again.
func (r refusal) Temporary() bool { return false }

// Refused marks err as a refusal made before any write (nil stays nil).
func Refused(err error) error {
	if err == nil {
		return nil
	}
	return refusal{err}
}
