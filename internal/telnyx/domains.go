package telnyx

import (
	"context"
	"iter"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
)

var _ provider.Domains = (*Client)(nil)

// registrarDomain is sip.telnyx.com as a read-only domain: where every
// credential connection registers.
func registrarDomain() provider.Domain {
	return provider.Domain{
		SID:             Registrar,
		DomainName:      Registrar,
		FriendlyName:    "Telnyx SIP registrar (every credential connection)",
		SIPRegistration: true,
	}
}

// ListDomains implements provider.Domains: Telnyx has exactly one.
func (c *Client) ListDomains(ctx context.Context) iter.Seq2[provider.Domain, error] {
	return func(yield func(provider.Domain, error) bool) { yield(registrarDomain(), nil) }
}

// GetDomain implements provider.Domains.
func (c *Client) GetDomain(ctx context.Context, ref string) (provider.Domain, error) {
	if d, err := c.CanonicalDomain(ref); err != nil || !strings.EqualFold(d, Registrar) {
		return provider.Domain{}, provider.ErrNotFound
	}
	return registrarDomain(), nil
}

func readOnlyDomains() error {
	return &provider.MissingCapabilityError{Provider: "telnyx", What: "domains to create, change or delete",
		Why: "every credential connection registers at " + Registrar + "; create accounts with `sipctl accounts create USERNAME`"}
}

// CreateDomain is refused: Telnyx's registrar is fixed.
func (c *Client) CreateDomain(context.Context, provider.DomainParams) (provider.Domain, error) {
	return provider.Domain{}, readOnlyDomains()
}

// DeleteDomain is refused: Telnyx's registrar is fixed.
func (c *Client) DeleteDomain(context.Context, string) error { return readOnlyDomains() }
