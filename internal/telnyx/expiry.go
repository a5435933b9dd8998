package telnyx

import (
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// Telnyx's credential connections have no expiry of their own, but carry
// tags, which the portal and the API show (and /credential_connections
// filters on). sipctl records an account's expiry as one tag,
// sipctl-expires=2026-12-01T12:00:00Z (RFC 3339, UTC).

// ExpiryTagPrefix starts the tag that records a connection's expiry.
const ExpiryTagPrefix = "sipctl-expires="

var _ provider.Expiry = (*Client)(nil)

// ExpiryConvention implements provider.Expiry.
func (c *Client) ExpiryConvention() string {
	return "a tag on the credential connection (" + ExpiryTagPrefix + "RFC3339)"
}

// ExpiryTag is the tag recording expiry t.
func ExpiryTag(t time.Time) string { return ExpiryTagPrefix + provider.FormatExpiry(t) }

// TagExpiry is the earliest expiry the tags record (zero when none does).
func TagExpiry(tags []string) time.Time {
	var out time.Time
	for _, tag := range tags {
		s, ok := strings.CutPrefix(tag, ExpiryTagPrefix)
		if !ok {
			continue
		}
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			continue
		}
		if out.IsZero() || t.Before(out) {
			out = t.UTC()
		}
	}
	return out
}

// expiryTags are the tags a new connection gets for its create options.
func expiryTags(options map[string]string) ([]string, error) {
	t, err := provider.ExpiryOption(options)
	if err != nil || t.IsZero() {
		return nil, err
	}
	return []string{ExpiryTag(t)}, nil
}
