// Package httpapi holds what sipctl's REST clients (Twilio, Telnyx) share:
// the base-URL rule (https, or http on loopback only), retry back-off, and a
// debug log that redacts every secret. The origin guard for redirects and
// page links, the Retry-After cap and page-loop limits are httpsafe's.
package httpapi

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ParseBaseURL checks an API base URL: https anywhere, http only on loopback.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("invalid API URL %q: expected https://host[:port]", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return nil, fmt.Errorf("refusing plain http API URL %q: http is allowed only for loopback addresses; use https", raw)
		}
	default:
		return nil, fmt.Errorf("invalid API URL %q: scheme must be https (or http on loopback)", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("invalid API URL %q: credentials do not belong in the URL; use `sipctl auth login`", u.Redacted())
	}
	return u, nil
}

// IsLoopback reports whether host is localhost or a loopback IP.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// SameOrigin reports whether u has base's scheme and host (port included).
func SameOrigin(base, u *url.URL) bool {
	return strings.EqualFold(base.Scheme, u.Scheme) && strings.EqualFold(base.Host, u.Host)
}

// Backoff is exponential with full jitter, capped; Retry-After wins when set.
func Backoff(attempt int, retryAfter string) time.Duration {
	if retryAfter != "" {
		if s, err := strconv.Atoi(retryAfter); err == nil && s >= 0 {
			return min(time.Duration(s)*time.Second, time.Minute)
		}
		if t, err := http.ParseTime(retryAfter); err == nil {
			return min(max(time.Until(t), 0), time.Minute)
		}
	}
	ceiling := min(200*time.Millisecond<<attempt, 5*time.Second)
	return ceiling/2 + rand.N(ceiling/2+1)
}

// Sleep waits d before a retry, or until ctx ends. When ctx carries a
// write's Budget (WithBudget), the retry spends from it: Sleep fails at once
// when the budget has no retry left that would start in time, and as soon
// as the budget's Stop ends, so a signal stops every client's retries.
func Sleep(ctx context.Context, d time.Duration) error {
	var stop <-chan struct{}
	if b := BudgetOf(ctx); b != nil {
		if !b.Take(d) {
			return ErrBudgetSpent
		}
		stop = b.Stop.Done()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return ErrBudgetSpent
	}
}

// PathOnly is p without its query string.
func PathOnly(p string) string {
	p, _, _ = strings.Cut(p, "?")
	return p
}
