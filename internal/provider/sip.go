package provider

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"
)

// SIPAccount is the unit every provider has: a username and password a
// phone registers with, on a domain (the digest realm). Ref is the
// provider's own opaque reference (Twilio "CL…/CR…", a Kamailio subscriber
// id, a Telnyx connection id); journals and handovers record it so a resumed
// run finds the same account.
type SIPAccount struct {
	Ref       string    `json:"ref"`
	Username  string    `json:"username"`
	Domain    string    `json:"domain"`
	Registrar Registrar `json:"registrar"`
	// Registration is the account's registration status where the provider
	// can tell (the Registrations capability); nil when unknown.
	Registration *Registration `json:"registration,omitempty"`
	Created      time.Time     `json:"date_created"`
	// ExpiresAt is when the account expires, as recorded at the provider
	// (the Expiry capability); zero when it does not.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	// Attributes are provider-specific facts, shown by `accounts show` and
	// kept in --json under their names (Twilio: credential_list,
	// credential_list_sid; Telnyx: channel limits, caller ID).
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Address is USER@DOMAIN.
func (a SIPAccount) Address() string {
	if a.Domain == "" {
		return a.Username
	}
	return a.Username + "@" + a.Domain
}

// Registrar is where a phone registers for an account.
type Registrar struct {
	Host       string      `json:"host"`
	Transports []Transport `json:"transports"`
	// SRTP says media must be encrypted (a TLS-only, secure domain).
	SRTP bool `json:"srtp"`
}

// Transport is one way a phone can reach the registrar.
type Transport struct {
	Protocol string `json:"protocol"` // UDP, TCP, TLS
	Port     int    `json:"port"`
}

// String is "UDP 5060".
func (t Transport) String() string { return fmt.Sprintf("%s %d", t.Protocol, t.Port) }

// RegistrationState is what hosted portals show as "Up/Down".
type RegistrationState string

const (
	Registered    RegistrationState = "registered"
	NotRegistered RegistrationState = "not-registered"
	// RegistrationFailed and RegistrationExpired are Telnyx's further states.
	RegistrationFailed  RegistrationState = "failed"
	RegistrationExpired RegistrationState = "expired"
	RegistrationUnknown RegistrationState = "unknown"
)

// Registration is an account's registration status.
type Registration struct {
	State     RegistrationState `json:"state"`
	Contact   string            `json:"contact,omitempty"`
	UserAgent string            `json:"user_agent,omitempty"`
	Transport string            `json:"transport,omitempty"`
	Source    string            `json:"source,omitempty"` // IP:port the binding came from
	Expires   time.Time         `json:"expires,omitzero"`
	LastSeen  time.Time         `json:"last_registration,omitzero"`
}

// AccountQuery narrows a listing of SIP accounts.
type AccountQuery struct {
	// Domain, when set, lists only the accounts of that domain (as the
	// provider names it; see SIPAccounts.CanonicalDomain).
	Domain string
	// Options are provider-specific narrowings named by flags, such as
	// Twilio's "credential_list" (one of a domain's lists). A provider that
	// does not know an option refuses it.
	Options map[string]string
}

// NewSIPAccount is what creating an account needs.
type NewSIPAccount struct {
	Username string
	Domain   string
	Password string
	// Options are provider-specific choices named by flags, such as
	// Twilio's "credential_list" (which of a domain's lists to use).
	Options map[string]string
}

// SIPAccounts is the one interface every provider implements. Everything
// else a provider offers (domains, credential lists, IP ACLs, caller IDs,
// subaccounts, registration status, …) is an optional capability that a
// command asks for with Require.
type SIPAccounts interface {
	// Name is the provider's name as in profiles: "twilio", "sandbox",
	// "kamailio", "telnyx".
	Name() string
	// CanonicalDomain completes and checks what a person typed for a domain
	// ("office" → "office.sip.twilio.com" on Twilio), before any request.
	CanonicalDomain(name string) (string, error)
	// ValidateUsername checks a username against the provider's documented
	// rules (RFC 3261 user characters at most), naming the rule it breaks.
	ValidateUsername(username string) error
	// ListSIPAccounts streams accounts, one page in memory.
	ListSIPAccounts(ctx context.Context, q AccountQuery) iter.Seq2[SIPAccount, error]
	// GetSIPAccount finds one account; ErrNotFound when there is none.
	GetSIPAccount(ctx context.Context, username, domain string) (SIPAccount, error)
	// CreateSIPAccount creates an account with the password given; ErrExists
	// when the username is taken on the domain.
	CreateSIPAccount(ctx context.Context, a NewSIPAccount) (SIPAccount, error)
	// SetSIPPassword gives an existing account a new password. Setting the
	// same password twice is harmless (journals rely on it).
	SetSIPPassword(ctx context.Context, a SIPAccount, password string) error
	// DeleteSIPAccount removes an account; ErrNotFound when it is gone.
	DeleteSIPAccount(ctx context.Context, a SIPAccount) error
}

// Registrations is the capability of telling registration status.
type Registrations interface {
	// RegistrationStatus returns the status of each account, keyed by Ref.
	// Accounts the provider knows nothing of are NotRegistered.
	RegistrationStatus(ctx context.Context, accounts []SIPAccount) (map[string]Registration, error)
}

// ErrAmbiguous is matched by errors saying a name matches several accounts
// (a Twilio username on two of a domain's credential lists).
var ErrAmbiguous = errors.New("ambiguous")

// NotFoundError names what is missing: `no SIP account "alice" on
// office.example.com`. errors.Is(err, ErrNotFound) matches it, and commands
// hint by What.
type NotFoundError struct {
	What  string // WhatDomains, WhatAccount, …
	Name  string
	Where string // "on office.example.com", "in this account"; optional
}

// WhatAccount names a SIP account in a NotFoundError.
const WhatAccount = "SIP account"

func (e *NotFoundError) Error() string {
	what := e.What
	if what == WhatDomains {
		what = "domain"
	}
	s := fmt.Sprintf("no %s %q", what, e.Name)
	if e.Where != "" {
		s += " " + e.Where
	}
	return s
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ErrExists is matched (errors.Is) by a provider's "already exists" errors.
var ErrExists = errors.New("already exists")

// MissingCapabilityError says the active provider lacks what a command
// needs: "kamailio has no credential lists: accounts belong to a domain".
// Commands return it before any request; it exits with status 2.
type MissingCapabilityError struct {
	Provider string
	What     string // "credential lists"
	Why      string // optional: what the provider has instead
}

func (e *MissingCapabilityError) Error() string {
	s := fmt.Sprintf("%s has no %s", e.Provider, e.What)
	if e.Why != "" {
		s += ": " + e.Why
	}
	return s
}

// Explainer is implemented by providers that say what they have instead of
// a missing capability (the Why of MissingCapabilityError).
type Explainer interface {
	Lacks(what string) string
}

// Require returns p as capability T, or a MissingCapabilityError naming
// what (for example "credential lists").
func Require[T any](p SIPAccounts, what string) (T, error) {
	if c, ok := Lookup[T](p); ok {
		return c, nil
	}
	var zero T
	why := ""
	if ex, ok := p.(Explainer); ok {
		why = ex.Lacks(what)
	}
	return zero, &MissingCapabilityError{Provider: p.Name(), What: what, Why: why}
}

// What commands name when they Require a capability, so that a provider's
// Explainer can match them.
const (
	WhatDomains         = "domains"
	WhatDomainSettings  = "domain settings"
	WhatCredentialLists = "credential lists"
	WhatIPACLs          = "IP access control lists"
	WhatMappings        = "domain attachments"
	WhatCallerIDs       = "caller IDs"
	WhatSubaccounts     = "subaccounts"
	WhatRegistrations   = "registration status"
)

// Lookup returns p as capability T without an error: for commands that use a
// capability when the provider has it (registration status in `accounts
// list`) and do without otherwise.
//
// A wrapper (Wrapper) that lacks T answers as what it wraps, so wrapping a
// provider never hides a capability.
func Lookup[T any](p SIPAccounts) (T, bool) {
	for p != nil {
		if c, ok := p.(T); ok {
			return c, true
		}
		w, ok := p.(Wrapper)
		if !ok {
			break
		}
		p = w.Unwrap()
	}
	var zero T
	return zero, false
}

// Wrapper is implemented by a provider that wraps another to change some of
// its behaviour (reconcile.Batched): capability checks made on the wrapper
// answer as the wrapped provider (rclone's UnWrap), so none is hidden.
type Wrapper interface {
	Unwrap() SIPAccounts
}

// Unwrap is the innermost provider p wraps (p itself when it wraps none).
func Unwrap(p SIPAccounts) SIPAccounts {
	for {
		w, ok := p.(Wrapper)
		if !ok {
			return p
		}
		p = w.Unwrap()
	}
}

// WhatCredentials and WhatIPAddresses name the members of credential lists
// and IP ACLs, for Identifiers.
const (
	WhatCredentials = "credentials"
	WhatIPAddresses = "IP addresses"
)

// Identifiers is implemented by providers whose resources have IDs distinct
// from their names (Twilio's SIDs: "SD…" for domains, "CL…" for credential
// lists), so a command accepts either and looks an ID up directly. what is
// one of the What… names.
type Identifiers interface {
	IsID(what, ref string) bool
}

// IsID reports whether ref is one of p's IDs for what (false when p has no
// IDs apart from names).
func IsID(p any, what, ref string) bool {
	ids, ok := p.(Identifiers)
	return ok && ids.IsID(what, ref)
}

// RequestedNames is implemented by providers that make an account's
// username from the one a create asked for (Plivo appends 12 digits): the
// name sipctl reports, journals and hands over is the one the provider
// made, while a manifest names the one asked for. RequestedName returns
// that requested name of an account the provider holds.
type RequestedNames interface {
	RequestedName(a SIPAccount) string
}
