package provider

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// OptionExpires is the create option (NewSIPAccount.Options) that gives an
// account an expiry, an RFC 3339 time in UTC. It travels with the other
// options, so a journaled create resumed later keeps the expiry it was
// given, and bulk creation prepares once per domain and expiry.
const OptionExpires = "expires"

// WhatExpiry names the Expiry capability in a MissingCapabilityError.
const WhatExpiry = "account expiry"

// ExpiryGranularity is the unit expiry is recorded in: a TTL is rounded up
// to the whole minute, so accounts made in the same minute with the same
// TTL share one expiry (and, on Twilio, one expiry credential list).
const ExpiryGranularity = time.Minute

// Expiry is the capability of recording at the provider when an account
// expires, so that any machine with access sees it: CreateSIPAccount honours
// OptionExpires and ListSIPAccounts fills SIPAccount.ExpiresAt. Each
// provider keeps it where its own tools show it (Twilio: a credential list
// per expiry; Telnyx: a tag on the credential connection; Kamailio: a row of
// avpops' usr_preferences table). Expiry is recorded, not enforced:
// `sipctl accounts cleanup --expired` deletes expired accounts.
type Expiry interface {
	// ExpiryConvention says where the provider records an expiry, for
	// messages and docs.
	ExpiryConvention() string
}

// ExpiryTidier is implemented by providers that keep something besides
// the account for its expiry (Twilio's expiry credential lists): once the
// expired accounts of a domain are deleted, TidyExpired removes what only
// served them, and returns what it removed, for the report.
type ExpiryTidier interface {
	TidyExpired(ctx context.Context, domain string, now time.Time) ([]string, error)
}

// ExpiryAt is the expiry of an account made at now with a TTL: now + ttl,
// rounded up to ExpiryGranularity.
func ExpiryAt(now time.Time, ttl time.Duration) time.Time {
	t := now.UTC().Add(ttl)
	if r := t.Truncate(ExpiryGranularity); !r.Equal(t) {
		t = r.Add(ExpiryGranularity)
	}
	return t
}

// FormatExpiry is how an expiry is written in options and at providers.
func FormatExpiry(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ExpiryOption reads OptionExpires from create options: the zero time when
// there is none.
func ExpiryOption(options map[string]string) (time.Time, error) {
	s, ok := options[OptionExpires]
	if !ok || s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("option %s=%q is not an RFC 3339 time", OptionExpires, s)
	}
	return t.UTC(), nil
}

// WithExpiry returns options with OptionExpires set to t (a copy; options
// is not changed). A zero t returns options as they are.
func WithExpiry(options map[string]string, t time.Time) map[string]string {
	if t.IsZero() {
		return options
	}
	out := make(map[string]string, len(options)+1)
	for k, v := range options {
		out[k] = v
	}
	out[OptionExpires] = FormatExpiry(t)
	return out
}

// Expired reports whether a has an expiry at or before now.
func (a SIPAccount) Expired(now time.Time) bool {
	return !a.ExpiresAt.IsZero() && !a.ExpiresAt.After(now)
}

// ParseTTL reads a time to live: a Go duration ("90m", "2h", "1h30m") or
// whole days ("7d"), more than zero.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok && n != "" && !strings.ContainsAny(n, "hmsuµn.") {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
		if err == nil && days > 0 && d/(24*time.Hour) != time.Duration(days) {
			err = errors.New("too long")
		}
	} else {
		d, err = time.ParseDuration(s)
	}
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (like 30m, 2h or 7d)", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not more than zero: a TTL is how long the account lives (like 30m, 2h or 7d)", s)
	}
	return d, nil
}
