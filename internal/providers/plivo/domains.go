package plivo

import (
	"context"
	"iter"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
)

var _ provider.Domains = (*Client)(nil)

// registrarDomain is phone.plivo.com as a read-only domain: where every
// endpoint registers. Listing it lets export and `domains list` show it.
func registrarDomain() provider.Domain {
	return provider.Domain{
		SID:             Registrar,
		DomainName:      Registrar,
		FriendlyName:    "Plivo SIP registrar (every endpoint)",
		SIPRegistration: true,
	}
}

// ListDomains implements provider.Domains: Plivo has exactly one.
func (c *Client) ListDomains(ctx context.Context) iter.Seq2[provider.Domain, error] {
	return func(yield func(provider.Domain, error) bool) { yield(registrarDomain(), nil) }
}

// GetDomain implements provider.Domains.
func (c *Client) GetDomain(ctx context.Context, ref string) (provider.Domain, error) {
	if d, err := c.CanonicalDomain(ref); err != nil || !strings.EqualFold(d, Registrar) {
		return provider.Domain{}, &provider.NotFoundError{What: provider.WhatDomains, Name: ref, Where: "on Plivo"}
	}
	return registrarDomain(), nil
}

func (c *Client) readOnlyDomains() error {
	return &provider.MissingCapabilityError{Provider: c.name, What: "domains to create, change or delete",
		Why: "every endpoint registers at " + Registrar + "; create accounts with `sipctl accounts create USERNAME`"}
}

// CreateDomain is refused: Plivo's registrar is fixed.
func (c *Client) CreateDomain(context.Context, provider.DomainParams) (provider.Domain, error) {
	return provider.Domain{}, c.readOnlyDomains()
}

// DeleteDomain is refused: Plivo's registrar is fixed.
func (c *Client) DeleteDomain(context.Context, string) error { return c.readOnlyDomains() }
