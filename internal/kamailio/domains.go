package kamailio

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// A Kamailio domain is a row of the domain table; its SID is the domain
// name itself, which is unique there and what people type.

func (c *Client) domain(name string, modified time.Time) provider.Domain {
	return provider.Domain{SID: name, DomainName: name, FriendlyName: name, SIPRegistration: true,
		DateCreated: modified, DateUpdated: modified}
}

// ListDomains lists the domain table.
func (c *Client) ListDomains(ctx context.Context) iter.Seq2[provider.Domain, error] {
	return func(yield func(provider.Domain, error) bool) {
		if err := c.requireTable("domain", "domain"); err != nil {
			yield(provider.Domain{}, err)
			return
		}
		rows, err := c.db.QueryContext(ctx, "SELECT domain, last_modified FROM domain ORDER BY domain")
		if err != nil {
			yield(provider.Domain{}, c.dbError(err))
			return
		}
		var all []provider.Domain // a domain table is small; free the connection before yielding
		for rows.Next() {
			var name string
			var mod any
			if err := rows.Scan(&name, &mod); err != nil {
				rows.Close()
				yield(provider.Domain{}, c.dbError(err))
				return
			}
			all = append(all, c.domain(name, scanTime(mod)))
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

// GetDomain finds a domain by name (its SID).
func (c *Client) GetDomain(ctx context.Context, sid string) (provider.Domain, error) {
	if err := c.requireTable("domain", "domain"); err != nil {
		return provider.Domain{}, err
	}
	name, err := c.CanonicalDomain(sid)
	if err != nil {
		return provider.Domain{}, err
	}
	var mod any
	err = c.db.QueryRowContext(ctx, c.url.rebind("SELECT last_modified FROM domain WHERE domain = ?"), name).Scan(&mod)
	if errors.Is(err, sql.ErrNoRows) {
		return provider.Domain{}, fmt.Errorf("domain %q is not in Kamailio's domain table: %w", name, provider.ErrNotFound)
	}
	if err != nil {
		return provider.Domain{}, c.dbError(err)
	}
	return c.domain(name, scanTime(mod)), nil
}

// CreateDomain adds a row to the domain table, then domain.reload. The RPC
// endpoint is checked first, so an unreachable Kamailio changes nothing.
func (c *Client) CreateDomain(ctx context.Context, p provider.DomainParams) (provider.Domain, error) {
	if err := c.requireTable("domain", "domain"); err != nil {
		return provider.Domain{}, err
	}
	if p.DomainName == nil {
		return provider.Domain{}, errors.New("a domain name is required")
	}
	name, err := c.CanonicalDomain(*p.DomainName)
	if err != nil {
		return provider.Domain{}, err
	}
	if err := unsupportedDomainParams(p); err != nil {
		return provider.Domain{}, err
	}
	if err := c.preflight(ctx, "domain.reload"); err != nil {
		return provider.Domain{}, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	_, err = c.db.ExecContext(ctx, c.url.rebind("INSERT INTO domain (domain, last_modified) VALUES (?, ?)"), name, sqlTime(now))
	if err != nil {
		if isUniqueViolation(err) {
			return provider.Domain{}, fmt.Errorf("domain %s %w in Kamailio's domain table", name, provider.ErrExists)
		}
		return provider.Domain{}, c.dbError(err)
	}
	if err := c.reload(ctx, "domain.reload", "domain "+name+" was added to the domain table"); err != nil {
		return provider.Domain{}, err
	}
	return c.domain(name, now), nil
}

const whyNoDomainSettings = "a Kamailio domain is a name in the domain table; routing, voice URLs and TLS are kamailio.cfg's (to rename, create the new domain and delete the old)"

// unsupportedDomainParams refuses settings a Kamailio domain row does not
// have (voice URLs and the like are routing logic in kamailio.cfg).
func unsupportedDomainParams(p provider.DomainParams) error {
	set := p.FriendlyName != nil || p.VoiceURL != nil || p.VoiceMethod != nil || p.VoiceFallbackURL != nil ||
		p.VoiceFallbackMethod != nil || p.VoiceStatusCallbackURL != nil || p.VoiceStatusCallbackMethod != nil ||
		p.Secure != nil || p.EmergencyCallingEnabled != nil || (p.SIPRegistration != nil && !*p.SIPRegistration)
	if set {
		return &provider.MissingCapabilityError{Provider: Name, What: provider.WhatDomainSettings, Why: whyNoDomainSettings}
	}
	return nil
}

// DeleteDomain removes a domain that no subscriber uses, then domain.reload.
func (c *Client) DeleteDomain(ctx context.Context, sid string) error {
	if err := c.requireTable("domain", "domain"); err != nil {
		return err
	}
	name, err := c.CanonicalDomain(sid)
	if err != nil {
		return err
	}
	if err := c.preflight(ctx, "domain.reload"); err != nil {
		return err
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return c.dbError(err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, c.url.rebind("SELECT COUNT(*) FROM subscriber WHERE domain = ?"), name).Scan(&n); err != nil {
		return c.dbError(err)
	}
	if n > 0 {
		return fmt.Errorf("domain %s still has %d subscribers; delete them first (`sipctl accounts list --domain %s`)", name, n, name)
	}
	res, err := tx.ExecContext(ctx, c.url.rebind("DELETE FROM domain WHERE domain = ?"), name)
	if err != nil {
		return c.dbError(err)
	}
	if k, err := res.RowsAffected(); err == nil && k == 0 {
		return fmt.Errorf("domain %q is not in Kamailio's domain table: %w", name, provider.ErrNotFound)
	}
	if err := tx.Commit(); err != nil {
		return c.dbError(err)
	}
	return c.reload(ctx, "domain.reload", "domain "+name+" was removed from the domain table")
}

// sqlTime is a timestamp as Kamailio's own tools write it, which every
// dialect and Kamailio's db_sqlite read back.
func sqlTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") }

// scanTime reads a timestamp column whichever way the driver returns it.
func scanTime(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t.UTC()
	case []byte:
		return parseTime(string(t))
	case string:
		return parseTime(t)
	}
	return time.Time{}
}

func parseTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05", time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
