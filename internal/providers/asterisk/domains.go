package asterisk

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/sipctl/sipctl/internal/provider"
)

// An Asterisk profile has one registrar, whose host is the accounts'
// domain; ps_domain_aliases rows (id: the alias, domain: what it stands
// for) name the other domains phones may use. The registrar's domain is
// listed first, then the aliases; creating and deleting a domain adds and
// removes an alias.

func (c *Client) primary() provider.Domain {
	return provider.Domain{SID: c.domain, DomainName: c.domain, FriendlyName: "registrar " + c.registrar.Host, SIPRegistration: true}
}

func alias(name, of string) provider.Domain {
	return provider.Domain{SID: name, DomainName: name, FriendlyName: "alias of " + of, SIPRegistration: true}
}

// ListDomains lists the registrar's domain and the aliases.
func (c *Client) ListDomains(ctx context.Context) iter.Seq2[provider.Domain, error] {
	return func(yield func(provider.Domain, error) bool) {
		if !yield(c.primary(), nil) || !c.schema.has("ps_domain_aliases") {
			return
		}
		rows, err := c.db.QueryContext(ctx, "SELECT id, domain FROM ps_domain_aliases ORDER BY id")
		if err != nil {
			yield(provider.Domain{}, c.dbError(err))
			return
		}
		var all []provider.Domain // a handful; free the connection before yielding
		for rows.Next() {
			var name, of string
			if err := rows.Scan(&name, &of); err != nil {
				rows.Close()
				yield(provider.Domain{}, c.dbError(err))
				return
			}
			all = append(all, alias(name, of))
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			yield(provider.Domain{}, c.dbError(err))
			return
		}
		for _, d := range all {
			if !yield(d, nil) {
				return
			}
		}
	}
}

// GetDomain finds the registrar's domain or an alias.
func (c *Client) GetDomain(ctx context.Context, sid string) (provider.Domain, error) {
	name, err := c.CanonicalDomain(sid)
	if err != nil {
		return provider.Domain{}, err
	}
	if name == c.domain {
		return c.primary(), nil
	}
	ok, err := c.served(ctx, name)
	if err != nil {
		return provider.Domain{}, err
	}
	if !ok {
		return provider.Domain{}, c.notServed(name)
	}
	return alias(name, c.domain), nil
}

// CreateDomain adds an alias of the registrar's domain.
func (c *Client) CreateDomain(ctx context.Context, p provider.DomainParams) (provider.Domain, error) {
	if !c.schema.has("ps_domain_aliases") {
		return provider.Domain{}, fmt.Errorf("database %s has no ps_domain_aliases table: an Asterisk profile's one domain is its registrar, %s", c.url, c.domain)
	}
	if p.DomainName == nil {
		return provider.Domain{}, errors.New("a domain name is required")
	}
	if p.FriendlyName != nil || p.VoiceURL != nil || p.VoiceMethod != nil || p.VoiceFallbackURL != nil ||
		p.VoiceFallbackMethod != nil || p.VoiceStatusCallbackURL != nil || p.VoiceStatusCallbackMethod != nil ||
		p.Secure != nil || p.EmergencyCallingEnabled != nil || (p.SIPRegistration != nil && !*p.SIPRegistration) {
		return provider.Domain{}, &provider.MissingCapabilityError{Provider: Name, What: provider.WhatDomainSettings, Why: c.Lacks(provider.WhatDomainSettings)}
	}
	name, err := c.CanonicalDomain(*p.DomainName)
	if err != nil {
		return provider.Domain{}, err
	}
	if name == c.domain {
		return provider.Domain{}, fmt.Errorf("domain %s %w: it is the profile's registrar", name, provider.ErrExists)
	}
	if _, err := c.db.ExecContext(ctx, c.q("INSERT INTO ps_domain_aliases (id, domain) VALUES (?, ?)"), name, c.domain); err != nil {
		if isUnique(err) {
			return provider.Domain{}, fmt.Errorf("domain alias %s %w", name, provider.ErrExists)
		}
		return provider.Domain{}, c.dbError(err)
	}
	return alias(name, c.domain), nil
}

// DeleteDomain removes an alias; the registrar's domain stays.
func (c *Client) DeleteDomain(ctx context.Context, sid string) error {
	name, err := c.CanonicalDomain(sid)
	if err != nil {
		return err
	}
	if name == c.domain {
		return fmt.Errorf("domain %s is the profile's registrar and cannot be deleted; point the profile at another (`sipctl profile set registrar HOST:PORT`)", name)
	}
	if !c.schema.has("ps_domain_aliases") {
		return c.notServed(name)
	}
	res, err := c.db.ExecContext(ctx, c.q("DELETE FROM ps_domain_aliases WHERE id = ?"), name)
	if err != nil {
		return c.dbError(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return c.notServed(name)
	}
	return nil
}
