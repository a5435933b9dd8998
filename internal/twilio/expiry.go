package twilio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// Twilio's SIP credential has only a username and a password, so sipctl
// records an account's expiry in the name of the credential list it is on:
// every account that expires at the same minute on a domain goes on one
// list, DOMAIN-exp-20261201T1200Z (DOMAIN is the bare domain name, as in
// DOMAIN-users), attached to the domain for calls and registrations. Anyone
// with the account's credentials sees it in the console, the API
// (friendly_name) or `sipctl accounts list --json expires_at`. A list named
// so is never chosen for accounts without an expiry.

// expiryLayout is the time in an expiry list's name: minutes, UTC.
const expiryLayout = "20060102T1504Z"

// expiryInfix joins the bare domain name and the time.
const expiryInfix = "-exp-"

// maxFriendlyName is Twilio's limit on a credential list's friendly_name.
const maxFriendlyName = 64

var (
	_ provider.Expiry       = (*Client)(nil)
	_ provider.ExpiryTidier = (*Client)(nil)
)

// ExpiryConvention implements provider.Expiry.
func (c *Client) ExpiryConvention() string {
	return "the name of the credential list the account is on (DOMAIN-exp-YYYYMMDDTHHMMZ)"
}

func bareDomain(domainName string) string {
	return strings.TrimSuffix(domainName, "."+DomainSuffix)
}

// ExpiryListName is the credential list of a domain's accounts expiring at
// t (rounded up to the minute).
func ExpiryListName(domainName string, t time.Time) string {
	t = provider.ExpiryAt(t, 0)
	return bareDomain(domainName) + expiryInfix + t.Format(expiryLayout)
}

// ListExpiry is the expiry a list's name records for accounts of the domain
// named: zero when it is not that domain's expiry list.
func ListExpiry(friendlyName, domainName string) time.Time {
	stamp, ok := strings.CutPrefix(friendlyName, bareDomain(domainName)+expiryInfix)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(expiryLayout, stamp)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// expiryList finds or makes the list of d's accounts expiring at t,
// attached for calls and registrations. Concurrent creators of the same
// list end up on the same one (findOrCreateList).
func (c *Client) expiryList(ctx context.Context, d provider.Domain, t time.Time) (AttachedList, error) {
	name := ExpiryListName(d.DomainName, t)
	if len(name) > maxFriendlyName {
		return AttachedList{}, fmt.Errorf("domain %s is too long for an expiry credential list name (%s is %d characters; Twilio allows %d)",
			d.DomainName, name, len(name), maxFriendlyName)
	}
	attached, err := c.attachedLists(ctx, d.SID)
	if err != nil {
		return AttachedList{}, err
	}
	for _, l := range attached {
		if l.FriendlyName == name && l.Calls && l.Registrations {
			return l, nil
		}
	}
	list, err := c.findOrCreateList(ctx, name)
	if err != nil {
		return AttachedList{}, err
	}
	return c.attachBoth(ctx, d, attached, list)
}

// attachBoth attaches list to d for calls and registrations where it is
// not yet, tolerating a concurrent run that did it first.
func (c *Client) attachBoth(ctx context.Context, d provider.Domain, attached []AttachedList, list provider.CredentialList) (AttachedList, error) {
	l := AttachedList{SID: list.SID, FriendlyName: list.FriendlyName}
	for _, a := range attached {
		if a.SID == list.SID {
			l = a
		}
	}
	for _, kind := range []provider.AuthKind{provider.ForCalls, provider.ForRegistrations} {
		if (kind == provider.ForCalls && l.Calls) || (kind == provider.ForRegistrations && l.Registrations) {
			continue
		}
		if _, err := c.AttachCredentialList(ctx, d.SID, kind, l.SID); err != nil && !alreadyDone(err) {
			return l, fmt.Errorf("attaching credential list %s to %s for %s: %w", list.FriendlyName, d.DomainName, kind, err)
		}
	}
	l.Calls, l.Registrations = true, true
	now := make([]AttachedList, 0, len(attached)+1)
	for _, a := range attached {
		if a.SID != l.SID {
			now = append(now, a)
		}
	}
	c.attached.put(c.accountSID, d.SID, append(now, l))
	return l, nil
}

// createList is the list a create with these options goes on: the expiry
// list when OptionExpires is set, else the domain's registration list.
func (c *Client) createList(ctx context.Context, d provider.Domain, options map[string]string) (AttachedList, error) {
	exp, err := provider.ExpiryOption(options)
	if err != nil {
		return AttachedList{}, err
	}
	if exp.IsZero() {
		return c.RegistrationList(ctx, d, options[OptionCredentialList])
	}
	if options[OptionCredentialList] != "" {
		return AttachedList{}, errors.New("an account with an expiry goes on the domain's expiry credential list, so a credential list cannot be chosen for it")
	}
	return c.expiryList(ctx, d, exp)
}

// TidyExpired implements provider.ExpiryTidier: the domain's expiry lists
// whose time has passed and that hold no credential any more are detached
// and deleted. A list another run removed first is not an error.
func (c *Client) TidyExpired(ctx context.Context, domain string, now time.Time) ([]string, error) {
	d, err := c.FindDomainByName(ctx, domain)
	if err != nil {
		return nil, err
	}
	attached, err := c.AttachedLists(ctx, d.SID)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, l := range attached {
		exp := ListExpiry(l.FriendlyName, d.DomainName)
		if exp.IsZero() || exp.After(now) {
			continue
		}
		empty := true
		for _, err := range c.ListCredentials(ctx, l.SID) {
			if err != nil && !errors.Is(err, provider.ErrNotFound) {
				return removed, err
			}
			empty = err != nil
			break
		}
		if !empty {
			continue
		}
		for _, kind := range []provider.AuthKind{provider.ForRegistrations, provider.ForCalls} {
			attachedFor := (kind == provider.ForCalls && l.Calls) || (kind == provider.ForRegistrations && l.Registrations)
			if !attachedFor {
				continue
			}
			if err := c.DetachCredentialList(ctx, d.SID, kind, l.SID); err != nil && !errors.Is(err, provider.ErrNotFound) {
				return removed, fmt.Errorf("detaching expired credential list %s from %s: %w", l.FriendlyName, d.DomainName, err)
			}
		}
		if err := c.DeleteCredentialList(ctx, l.SID); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return removed, fmt.Errorf("deleting expired credential list %s: %w", l.FriendlyName, err)
		}
		removed = append(removed, "credential list "+l.FriendlyName)
	}
	return removed, nil
}
