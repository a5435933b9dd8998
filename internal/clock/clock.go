// Package clock is the time sipctl compares account expiry against. It is
// the wall clock, unless SIPCTL_NOW names another instant: tests (and a CI
// job rehearsing a cleanup) move time without sleeping.
package clock

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// EnvNow is the variable that overrides the clock, an RFC 3339 time.
const EnvNow = "SIPCTL_NOW"

// Now is the current time in UTC, or SIPCTL_NOW's. A malformed SIPCTL_NOW
// is an error rather than a silent fall back to the wall clock, since a
// cleanup trusting the wrong clock deletes the wrong accounts.
func Now() (time.Time, error) {
	s := strings.TrimSpace(os.Getenv(EnvNow))
	if s == "" {
		return time.Now().UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s=%q is not an RFC 3339 time (like 2026-12-01T12:00:00Z)", EnvNow, s)
	}
	return t.UTC(), nil
}
