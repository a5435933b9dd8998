// Package lookup finds SIP accounts the way a person names them (a username
// on a domain) through the provider-neutral interface, and describes what a
// phone needs to register with one. The credential-list helpers at the end
// are Twilio's model, kept for `accounts create` and `domains check`.
package lookup

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
)

// Account is a SIP account as accounts commands print it. Field names are a
// stable contract for --json; Password is set only by create. The Twilio
// fields (sid, credential_list…) are filled from a provider's attributes of
// those names; other providers fill what they have.
type Account struct {
	SID               string      `json:"sid"`
	Username          string      `json:"username"`
	Password          string      `json:"password,omitempty"`
	Domain            string      `json:"domain"`
	SIPURI            string      `json:"sip_uri"`
	CredentialListSID string      `json:"credential_list_sid"`
	CredentialList    string      `json:"credential_list"`
	Registrar         string      `json:"registrar"`
	Transports        []Transport `json:"transports"`
	SRTP              bool        `json:"srtp"`
	DateCreated       time.Time   `json:"date_created"`

	// Ref is the provider's opaque reference (Twilio "CL…/CR…").
	Ref string `json:"ref"`
	// Status is the registration state where the provider can tell
	// (registered, not-registered, failed, expired); empty when it cannot.
	Status    string     `json:"status"`
	Contact   string     `json:"contact"`
	UserAgent string     `json:"user_agent"`
	Expires   *time.Time `json:"expires"`
	// ExpiresAt is when the account itself expires, as recorded at the
	// provider (`accounts create --ttl`); null when it does not.
	ExpiresAt *time.Time `json:"expires_at"`
	// Attributes are the provider's other facts about the account.
	Attributes map[string]string `json:"attributes"`
}

// Attribute names the Twilio fields of Account are filled from.
const (
	AttrSID               = "sid"
	AttrCredentialListSID = "credential_list_sid"
	AttrCredentialList    = "credential_list"
)

// FromSIP is a provider-neutral account as the commands print it.
func FromSIP(a provider.SIPAccount) Account {
	out := Account{
		SID:               a.Attributes[AttrSID],
		Username:          a.Username,
		Domain:            a.Domain,
		SIPURI:            "sip:" + a.Address(),
		CredentialListSID: a.Attributes[AttrCredentialListSID],
		CredentialList:    a.Attributes[AttrCredentialList],
		Registrar:         a.Registrar.Host,
		Transports:        []Transport{},
		SRTP:              a.Registrar.SRTP,
		DateCreated:       a.Created,
		Ref:               a.Ref,
		Attributes:        map[string]string{},
	}
	if !a.ExpiresAt.IsZero() {
		t := a.ExpiresAt
		out.ExpiresAt = &t
	}
	for _, t := range a.Registrar.Transports {
		out.Transports = append(out.Transports, Transport{Protocol: t.Protocol, Port: t.Port})
	}
	for k, v := range a.Attributes {
		switch k {
		case AttrSID, AttrCredentialListSID, AttrCredentialList:
		default:
			out.Attributes[k] = v
		}
	}
	if r := a.Registration; r != nil {
		out.Status, out.Contact, out.UserAgent = string(r.State), r.Contact, r.UserAgent
		if !r.Expires.IsZero() {
			e := r.Expires
			out.Expires = &e
		}
	}
	return out
}

// StatusText is the registration state for people: "registered", "not
// registered", "-" when unknown.
func StatusText(a Account) string {
	switch a.Status {
	case "":
		return "-"
	case string(provider.NotRegistered):
		return "not registered"
	}
	return a.Status
}

// Transport is one way a phone can reach the registrar.
type Transport struct {
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
}

// String is "UDP 5060".
func (t Transport) String() string { return fmt.Sprintf("%s %d", t.Protocol, t.Port) }

// TransportList is "UDP 5060, TCP 5060, TLS 5061".
func TransportList(ts []Transport) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}

// PhoneSettings is what a phone needs for a domain on Twilio: it registers to
// the domain name itself, over UDP or TCP on 5060 or TLS on 5061. A Secure
// domain enforces TLS and SRTP, so only TLS is offered for it.
func PhoneSettings(d provider.Domain) (registrar string, transports []Transport, srtp bool) {
	if d.Secure {
		return d.DomainName, []Transport{{"TLS", 5061}}, true
	}
	return d.DomainName, []Transport{{"UDP", 5060}, {"TCP", 5060}, {"TLS", 5061}}, false
}

// NewAccount combines a credential with its list and domain.
func NewAccount(c provider.Credential, l AttachedList, d provider.Domain) Account {
	reg, ts, srtp := PhoneSettings(d)
	return Account{
		SID:               c.SID,
		Username:          c.Username,
		Domain:            d.DomainName,
		SIPURI:            "sip:" + c.Username + "@" + d.DomainName,
		CredentialListSID: l.SID,
		CredentialList:    l.FriendlyName,
		Registrar:         reg,
		Transports:        ts,
		SRTP:              srtp,
		DateCreated:       c.DateCreated,
		Ref:               l.SID + "/" + c.SID, // Twilio's reference, as twilio.AccountRef
		Attributes:        map[string]string{},
	}
}

// Target splits what a person typed into a username and a domain reference:
// "alice@office.sip.twilio.com", or "alice" with --domain, or "alice" with
// the profile's default domain. The username is checked against RFC 3261's
// user rule here; Resolve adds the provider's own rules and completes the
// domain, both before any request.
func Target(arg, domainFlag string, prof *config.Profile) (username, domain string, err error) {
	arg = strings.TrimPrefix(strings.TrimPrefix(arg, "sip:"), "sips:")
	username = arg
	if n := strings.Count(arg, "@"); n > 1 {
		return "", "", cmdutil.FlagErrorf("%q has %d '@': write the account as USER@DOMAIN (a SIP username cannot contain '@')", arg, n)
	}
	if u, d, ok := strings.Cut(arg, "@"); ok {
		if domainFlag != "" && !strings.EqualFold(d, domainFlag) {
			return "", "", cmdutil.FlagErrorf("%q already names a domain (%s) and --domain says %s: drop --domain or give only the username", arg, d, domainFlag)
		}
		if d == "" {
			return "", "", cmdutil.FlagErrorf("%q has no domain after '@'", arg)
		}
		username, domain = u, d
	} else {
		domain = domainFlag
	}
	if domain == "" && prof != nil {
		domain = prof.DefaultDomain
	}
	if domain == "" {
		return "", "", cmdutil.FlagErrorf("no domain: pass --domain NAME, write the account as USER@DOMAIN, or set a default with `sipctl profile set default_domain NAME`")
	}
	if err := provider.CheckSIPUser(username); err != nil {
		return "", "", cmdutil.FlagErrorf("%v", err)
	}
	return username, domain, nil
}

// Resolve is Target with the provider's rules: p.ValidateUsername and
// p.CanonicalDomain ("office" → office.sip.twilio.com on Twilio), before any
// request. Usage errors (exit 2) name the rule broken.
func Resolve(p provider.SIPAccounts, arg, domainFlag string, prof *config.Profile) (username, domain string, err error) {
	username, domain, err = Target(arg, domainFlag, prof)
	if err != nil {
		return "", "", err
	}
	if err := resolve.Username(p, username); err != nil {
		return "", "", err
	}
	if domain, err = resolve.CanonicalDomain(p, domain); err != nil {
		return "", "", err
	}
	return username, domain, nil
}

// Find gets one account. listRef (Twilio's --list, a credential list's name
// or SID) narrows the search to one of the domain's lists; a provider
// without credential lists refuses it before any request. Errors carry hints.
func Find(ctx context.Context, p provider.SIPAccounts, username, domain, listRef string) (provider.SIPAccount, error) {
	if listRef == "" {
		a, err := p.GetSIPAccount(ctx, username, domain)
		return a, Hint(err, domain)
	}
	if _, err := provider.Require[provider.CredentialLists](p, provider.WhatCredentialLists); err != nil {
		return provider.SIPAccount{}, fmt.Errorf("--list: %w", err)
	}
	var found []provider.SIPAccount
	q := provider.AccountQuery{Domain: domain, Options: map[string]string{AttrCredentialList: listRef}}
	for a, err := range p.ListSIPAccounts(ctx, q) {
		if err != nil {
			return provider.SIPAccount{}, Hint(err, domain)
		}
		if a.Username == username {
			found = append(found, a)
		}
	}
	if len(found) == 0 {
		return provider.SIPAccount{}, Hint(&provider.NotFoundError{What: provider.WhatAccount, Name: username,
			Where: fmt.Sprintf("on credential list %q of %s", listRef, domain)}, domain)
	}
	return found[0], nil
}

// Hint adds what to do next to a provider's not-found and ambiguity errors
// about an account on domain.
func Hint(err error, domain string) error {
	if err == nil {
		return nil
	}
	var nf *provider.NotFoundError
	switch {
	case errors.As(err, &nf) && nf.What == provider.WhatDomains:
		return cmdutil.WithHint(err, "list domains with `sipctl domains list`")
	case errors.As(err, &nf) && nf.What == provider.WhatAccount:
		return cmdutil.WithHint(err, fmt.Sprintf("list accounts with `sipctl accounts list --domain %s`", domain))
	case errors.As(err, &nf) && nf.What == "credential list":
		return cmdutil.WithHint(err, fmt.Sprintf("see what is attached with `sipctl domains show %s`", domain))
	case errors.Is(err, provider.ErrAmbiguous):
		return cmdutil.WithHint(err, "choose one with --list NAME|SID")
	}
	return err
}

// WithStatus adds registration status to a stream of accounts, asking the
// provider once per batch of accounts (the provider decides how to fetch
// them), so memory stays bounded by the batch.
func WithStatus(ctx context.Context, r provider.Registrations, seq iter.Seq2[provider.SIPAccount, error], batch int) iter.Seq2[provider.SIPAccount, error] {
	if batch <= 0 {
		batch = 100
	}
	return func(yield func(provider.SIPAccount, error) bool) {
		page := make([]provider.SIPAccount, 0, batch)
		flush := func() bool {
			if len(page) == 0 {
				return true
			}
			st, err := r.RegistrationStatus(ctx, page)
			if err != nil {
				yield(provider.SIPAccount{}, fmt.Errorf("reading registration status: %w", err))
				return false
			}
			for _, a := range page {
				reg, ok := st[a.Ref]
				if !ok {
					reg = provider.Registration{State: provider.NotRegistered}
				}
				a.Registration = &reg
				if !yield(a, nil) {
					return false
				}
			}
			page = page[:0]
			return true
		}
		for a, err := range seq {
			if err != nil {
				if flush() {
					yield(provider.SIPAccount{}, err)
				}
				return
			}
			page = append(page, a)
			if len(page) == batch && !flush() {
				return
			}
		}
		flush()
	}
}

// AttachedList is a credential list attached to a domain, and for what.
type AttachedList = provider.AttachedList

// AttachedLists returns the credential lists attached to a domain for
// registrations and for calls, registrations first, each once.
func AttachedLists(ctx context.Context, p provider.Mappings, domainSID string) ([]AttachedList, error) {
	return provider.AttachedLists(ctx, p, domainSID)
}
