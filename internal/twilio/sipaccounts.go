package twilio

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"regexp"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
)

// DomainSuffix is what Twilio requires every SIP domain name to end with.
const DomainSuffix = "sip.twilio.com"

// MaxUsernameLength is Twilio's limit on a SIP credential's username.
const MaxUsernameLength = 32

var domainLabel = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// MaxFriendlyName is the most characters Twilio takes in a friendly name.
const MaxFriendlyName = 64

// usersListSuffix names a domain's own credential list: office-users.
const usersListSuffix = "-users"

// DomainName completes and checks a domain name: a bare name ("office")
// becomes office.sip.twilio.com; anything else must already end in
// sip.twilio.com, with labels of letters, digits and '-', short enough for DNS and for
// the credential list named after it.
func DomainName(name string) (string, error) {
	name = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	if name == "" {
		return "", fmt.Errorf("empty domain name")
	}
	if !strings.Contains(name, ".") {
		name += "." + DomainSuffix
	}
	if !strings.HasSuffix(name, "."+DomainSuffix) {
		return "", fmt.Errorf("domain %q does not end in %s: Twilio requires SIP domain names to end in %s (give a bare name like \"office\" for office.%s)",
			name, DomainSuffix, DomainSuffix, DomainSuffix)
	}
	prefix := strings.TrimSuffix(name, "."+DomainSuffix)
	for _, l := range strings.Split(prefix, ".") {
		if !domainLabel.MatchString(l) || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", fmt.Errorf("domain %q: each part may contain only letters, digits and '-', not at its start or end", name)
		}
		if len(l) > 63 {
			return "", fmt.Errorf("domain %q is too long: its part %q is %d characters, and a DNS name's parts are at most 63", provider.Short(name), provider.Short(l), len(l))
		}
	}
	// The accounts of a domain live on a credential list named after it
	// (PREFIX-users), and Twilio's names are at most 64 characters.
	if max := MaxFriendlyName - len(usersListSuffix); len(prefix) > max {
		return "", fmt.Errorf("domain %q is too long for Twilio: its name before .%s is %d characters, at most %d (its accounts' credential list, %s%s, is named in at most %d)",
			provider.Short(name), DomainSuffix, len(prefix), max, provider.Short(prefix), usersListSuffix, MaxFriendlyName)
	}
	return name, nil
}

// ValidateUsername checks a SIP username before any request: RFC 3261 user
// characters (provider.CheckSIPUser), then Twilio's documented limit of 32
// characters. ';' (a URI parameter separator) and '%' escapes are refused
// too: Twilio compares the digest username literally, so a phone writing
// the escape and one writing the character would disagree.
func ValidateUsername(u string) error {
	if err := provider.CheckSIPUser(u); err != nil {
		return err
	}
	switch {
	case len(u) > MaxUsernameLength:
		return fmt.Errorf("username %q is %d characters: Twilio allows at most %d", u, len(u), MaxUsernameLength)
	case strings.ContainsAny(u, ";%"):
		return fmt.Errorf("username %q contains ';' or '%%': Twilio compares SIP usernames literally, so sipctl allows only letters, digits and - _ . ! ~ * ' ( ) & = + $ ,", u)
	}
	return nil
}

// CanonicalDomain implements provider.SIPAccounts. A domain SID ("SD…")
// is accepted as it is: commands take either, and FindDomainByName looks it
// up.
func (c *Client) CanonicalDomain(name string) (string, error) {
	if IsSID(PrefixDomain, name) {
		return name, nil
	}
	return DomainName(name)
}

// ValidateUsername implements provider.SIPAccounts.
func (c *Client) ValidateUsername(u string) error { return ValidateUsername(u) }

// Lacks implements provider.Explainer: Twilio has every capability sipctl
// knows except those listed here.
func (c *Client) Lacks(what string) string { return "" }

// AccountRef is the opaque reference of a Twilio SIP account: the credential
// list and the credential, "CL…/CR…".
func AccountRef(listSID, credSID string) string { return listSID + "/" + credSID }

// ParseAccountRef splits an AccountRef.
func ParseAccountRef(ref string) (listSID, credSID string, err error) {
	l, cr, ok := strings.Cut(ref, "/")
	if !ok || !IsSID(PrefixCredentialList, l) || !IsSID(PrefixCredential, cr) {
		return "", "", fmt.Errorf("%q is not a Twilio SIP account reference (CL…/CR…)", ref)
	}
	return l, cr, nil
}

// PhoneSettings is what a phone needs for a domain on Twilio: it registers to
// the domain name itself, over UDP or TCP on 5060 or TLS on 5061. A Secure
// domain enforces TLS and SRTP, so only TLS is offered for it.
func PhoneSettings(d provider.Domain) provider.Registrar {
	if d.Secure {
		return provider.Registrar{Host: d.DomainName, Transports: []provider.Transport{{Protocol: "TLS", Port: 5061}}, SRTP: true}
	}
	return provider.Registrar{Host: d.DomainName, Transports: []provider.Transport{
		{Protocol: "UDP", Port: 5060}, {Protocol: "TCP", Port: 5060}, {Protocol: "TLS", Port: 5061}}}
}

// AttachedList is a credential list attached to a domain, and for what.
type AttachedList = provider.AttachedList

// AttachedLists returns the credential lists attached to a domain for
// registrations and for calls, registrations first, each once.
func (c *Client) AttachedLists(ctx context.Context, domainSID string) ([]AttachedList, error) {
	lists, err := provider.AttachedLists(ctx, c, domainSID)
	if err == nil {
		c.attached.put(c.accountSID, domainSID, lists)
	}
	return lists, err
}

// attachedLists is AttachedLists as this client last read or made it (a
// listing earlier in the run), else read now: what a create needs to pick
// its list.
func (c *Client) attachedLists(ctx context.Context, domainSID string) ([]AttachedList, error) {
	if lists, ok := c.attached.get(c.accountSID, domainSID); ok {
		return lists, nil
	}
	return c.AttachedLists(ctx, domainSID)
}

// FindDomainByName finds a domain by its SID or name (completed as
// DomainName does); ErrNotFound when absent.
func (c *Client) FindDomainByName(ctx context.Context, name string) (provider.Domain, error) {
	if IsSID(PrefixDomain, name) {
		return c.GetDomain(ctx, name)
	}
	full, err := DomainName(name)
	if err != nil {
		return provider.Domain{}, err
	}
	if d, ok := c.domains.get(c.accountSID, full); ok {
		return d, nil
	}
	for d, err := range c.ListDomains(ctx) {
		if err != nil {
			return provider.Domain{}, err
		}
		if strings.EqualFold(d.DomainName, full) {
			return d, nil
		}
	}
	return provider.Domain{}, &provider.NotFoundError{What: provider.WhatDomains, Name: full, Where: "in this account"}
}

func sipAccount(cr provider.Credential, l AttachedList, d provider.Domain) provider.SIPAccount {
	return provider.SIPAccount{
		Ref:       AccountRef(l.SID, cr.SID),
		Username:  cr.Username,
		Domain:    d.DomainName,
		Registrar: PhoneSettings(d),
		Created:   cr.DateCreated,
		ExpiresAt: ListExpiry(l.FriendlyName, d.DomainName),
		Attributes: map[string]string{
			"sid":                 cr.SID,
			"credential_list_sid": l.SID,
			"credential_list":     l.FriendlyName,
		},
	}
}

// ListSIPAccounts implements provider.SIPAccounts: every credential on every
// list attached to a domain (for calls or registrations), domain by domain.
func (c *Client) ListSIPAccounts(ctx context.Context, q provider.AccountQuery) iter.Seq2[provider.SIPAccount, error] {
	return func(yield func(provider.SIPAccount, error) bool) {
		for k := range q.Options {
			if k != OptionCredentialList {
				yield(provider.SIPAccount{}, fmt.Errorf("twilio: unknown account query option %q", k))
				return
			}
		}
		var domains []provider.Domain
		if q.Domain != "" {
			d, err := c.FindDomainByName(ctx, q.Domain)
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			domains = []provider.Domain{d}
		} else {
			for d, err := range c.ListDomains(ctx) {
				if err != nil {
					yield(provider.SIPAccount{}, err)
					return
				}
				domains = append(domains, d)
			}
		}
		for _, d := range domains {
			lists, err := c.AttachedLists(ctx, d.SID)
			if err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			if ref := q.Options[OptionCredentialList]; ref != "" {
				var kept []AttachedList
				for _, l := range lists {
					if l.SID == ref || l.FriendlyName == ref {
						kept = append(kept, l)
					}
				}
				if len(kept) == 0 && q.Domain != "" {
					yield(provider.SIPAccount{}, &provider.NotFoundError{What: "credential list", Name: ref, Where: "attached to " + d.DomainName})
					return
				}
				lists = kept
			}
			for _, l := range lists {
				for cr, err := range c.ListCredentials(ctx, l.SID) {
					if errors.Is(err, provider.ErrNotFound) {
						// Deleted since the mappings were read (a
						// concurrent cleanup removing an emptied expiry
						// list): its accounts are gone.
						break
					}
					if err != nil {
						yield(provider.SIPAccount{}, err)
						return
					}
					if !yield(sipAccount(cr, l, d), nil) {
						return
					}
				}
			}
		}
	}
}

// GetSIPAccount implements provider.SIPAccounts. A username on several of a
// domain's lists is ambiguous.
func (c *Client) GetSIPAccount(ctx context.Context, username, domain string) (provider.SIPAccount, error) {
	var found []provider.SIPAccount
	for a, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: domain}) {
		if err != nil {
			return provider.SIPAccount{}, err
		}
		if a.Username == username {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return provider.SIPAccount{}, &provider.NotFoundError{What: provider.WhatAccount, Name: username, Where: "on " + domainOf(domain, found)}
	case 1:
		return found[0], nil
	}
	domain = domainOf(domain, found)
	names := make([]string, len(found))
	for i, a := range found {
		names[i] = fmt.Sprintf("%s (%s)", a.Attributes["credential_list"], a.Attributes["credential_list_sid"])
	}
	return provider.SIPAccount{}, fmt.Errorf("%q is on %d credential lists of %s: %s: %w", username, len(found), domain, strings.Join(names, ", "), provider.ErrAmbiguous)
}

// domainOf is the full domain name for messages: the accounts' when any
// were found, else the name completed.
func domainOf(domain string, found []provider.SIPAccount) string {
	if len(found) > 0 {
		return found[0].Domain
	}
	if full, err := DomainName(domain); err == nil && !IsSID(PrefixDomain, domain) {
		return full
	}
	return domain
}

// OptionCredentialList names which of a domain's lists CreateSIPAccount uses.
const OptionCredentialList = "credential_list"

// CreateSIPAccount implements provider.SIPAccounts: the credential goes on
// the list attached to the domain for registrations, made (DOMAIN-users,
// attached for calls and registrations) when there is none; an account with
// an expiry (provider.OptionExpires) goes on the domain's list for that
// expiry (see expiry.go).
func (c *Client) CreateSIPAccount(ctx context.Context, a provider.NewSIPAccount) (provider.SIPAccount, error) {
	d, err := c.FindDomainByName(ctx, a.Domain)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	l, err := c.createList(ctx, d, a.Options)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	for cr, err := range c.ListCredentials(ctx, l.SID) {
		if err != nil {
			return provider.SIPAccount{}, err
		}
		if cr.Username == a.Username {
			return sipAccount(cr, l, d), fmt.Errorf("SIP account %q on %s (credential list %s): %w", a.Username, d.DomainName, l.FriendlyName, provider.ErrExists)
		}
	}
	cr, err := c.CreateCredential(ctx, l.SID, a.Username, a.Password)
	if err != nil {
		return provider.SIPAccount{}, err
	}
	// Create-if-absent on the domain: no other list attached to it may
	// hold the username (see unique.go).
	fresh := func(ctx context.Context) ([]AttachedList, error) { return c.AttachedLists(ctx, d.SID) }
	if err := c.settle(ctx, d, l, cr, fresh); err != nil {
		return sipAccount(cr, l, d), err
	}
	return sipAccount(cr, l, d), nil
}

// RegistrationList finds the credential list phones on d register with
// (listRef, a SID or name, chooses among several), or makes one:
// DOMAIN-users, attached for calls and registrations. It tolerates a
// concurrent creator: "already exists" and "already attached" answers are
// followed by a re-read.
func (c *Client) RegistrationList(ctx context.Context, d provider.Domain, listRef string) (AttachedList, error) {
	attached, err := c.attachedLists(ctx, d.SID)
	if err != nil {
		return AttachedList{}, err
	}
	if listRef != "" {
		for _, l := range attached {
			if l.SID == listRef || l.FriendlyName == listRef {
				return l, nil
			}
		}
		return AttachedList{}, fmt.Errorf("credential list %q is not attached to %s: %w", listRef, d.DomainName, provider.ErrNotFound)
	}
	var forReg []AttachedList
	for _, l := range attached {
		// An expiry list holds only accounts that expire then.
		if l.Registrations && ListExpiry(l.FriendlyName, d.DomainName).IsZero() {
			forReg = append(forReg, l)
		}
	}
	switch len(forReg) {
	case 1:
		return forReg[0], nil
	case 0:
	default:
		names := make([]string, len(forReg))
		for i, l := range forReg {
			names[i] = l.FriendlyName
		}
		return AttachedList{}, &AmbiguousListError{Domain: d.DomainName, Names: names}
	}
	name := strings.TrimSuffix(d.DomainName, "."+DomainSuffix) + usersListSuffix
	list, err := c.findOrCreateList(ctx, name)
	if err != nil {
		return AttachedList{}, err
	}
	return c.attachBoth(ctx, d, attached, list)
}

// AmbiguousListError says several lists are attached for registrations.
type AmbiguousListError struct {
	Domain string
	Names  []string
}

func (e *AmbiguousListError) Error() string {
	return fmt.Sprintf("%d credential lists are attached to %s for registrations (%s): choose one with --list",
		len(e.Names), e.Domain, strings.Join(e.Names, ", "))
}

// alreadyDone matches Twilio's answers to a create that a concurrent run
// already made: 21240 (a list of that name, or a duplicate username) and
// 21231 (the list is already mapped).
func alreadyDone(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == 21240 || ae.Code == 21231 || ae.Status == 409)
}

// findOrCreateList reuses a list of the conventional name rather than making
// a duplicate (which `domains check` would flag). When two runs create it at
// once, the loser re-reads and both use the oldest.
func (c *Client) findOrCreateList(ctx context.Context, name string) (provider.CredentialList, error) {
	find := func() ([]provider.CredentialList, error) {
		var found []provider.CredentialList
		for l, err := range c.ListCredentialLists(ctx) {
			if err != nil {
				return nil, err
			}
			if l.FriendlyName == name {
				found = append(found, l)
			}
		}
		return found, nil
	}
	found, err := find()
	if err != nil {
		return provider.CredentialList{}, err
	}
	if len(found) == 0 {
		l, err := c.CreateCredentialList(ctx, name)
		if err == nil {
			return l, nil
		}
		if !alreadyDone(err) {
			return l, fmt.Errorf("creating credential list %s: %w", name, err)
		}
		if found, err = find(); err != nil {
			return provider.CredentialList{}, err
		}
	}
	if len(found) == 0 {
		return provider.CredentialList{}, fmt.Errorf("credential list %s was reported to exist but cannot be found", name)
	}
	oldest := found[0]
	for _, l := range found[1:] {
		if l.DateCreated.Before(oldest.DateCreated) || (l.DateCreated.Equal(oldest.DateCreated) && l.SID < oldest.SID) {
			oldest = l
		}
	}
	return oldest, nil
}

// SetSIPPassword implements provider.SIPAccounts.
func (c *Client) SetSIPPassword(ctx context.Context, a provider.SIPAccount, password string) error {
	listSID, credSID, err := ParseAccountRef(a.Ref)
	if err != nil {
		return err
	}
	_, err = c.UpdateCredentialPassword(ctx, listSID, credSID, password)
	return err
}

// DeleteSIPAccount implements provider.SIPAccounts.
func (c *Client) DeleteSIPAccount(ctx context.Context, a provider.SIPAccount) error {
	listSID, credSID, err := ParseAccountRef(a.Ref)
	if err != nil {
		return err
	}
	return c.DeleteCredential(ctx, listSID, credSID)
}

var _ provider.SIPAccounts = (*Client)(nil)

// IsID implements provider.Identifiers: Twilio's SIDs.
func (c *Client) IsID(what, ref string) bool {
	prefix, ok := map[string]string{
		provider.WhatDomains:         PrefixDomain,
		provider.WhatCredentialLists: PrefixCredentialList,
		provider.WhatCredentials:     PrefixCredential,
		provider.WhatIPACLs:          PrefixIPACL,
		provider.WhatIPAddresses:     PrefixIPAddress,
		provider.WhatCallerIDs:       PrefixCallerID,
		provider.WhatSubaccounts:     PrefixAccount,
	}[what]
	return ok && IsSID(prefix, ref)
}

var _ provider.Identifiers = (*Client)(nil)
