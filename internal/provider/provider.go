// Package provider holds the provider-neutral model of SIP administration and
// the small interfaces commands depend on. Twilio's vocabulary (domains,
// credential lists, mappings) is the model; a Telnyx or Kamailio client
// satisfies the same interfaces without commands changing.
package provider

import (
	"context"
	"errors"
	"iter"
	"sync"
	"time"
)

// Domain is a SIP domain: the host phones register to and calls arrive at.
type Domain struct {
	SID                       string    `json:"sid"`
	AccountSID                string    `json:"account_sid"`
	DomainName                string    `json:"domain_name"`
	FriendlyName              string    `json:"friendly_name"`
	VoiceURL                  string    `json:"voice_url"`
	VoiceMethod               string    `json:"voice_method"`
	VoiceFallbackURL          string    `json:"voice_fallback_url"`
	VoiceFallbackMethod       string    `json:"voice_fallback_method"`
	VoiceStatusCallbackURL    string    `json:"voice_status_callback_url"`
	VoiceStatusCallbackMethod string    `json:"voice_status_callback_method"`
	SIPRegistration           bool      `json:"sip_registration"`
	Secure                    bool      `json:"secure"`
	EmergencyCallingEnabled   bool      `json:"emergency_calling_enabled"`
	DateCreated               time.Time `json:"date_created"`
	DateUpdated               time.Time `json:"date_updated"`
}

// DomainParams creates or updates a domain. Nil fields are left out of the
// request, so an update changes only what the user named.
type DomainParams struct {
	DomainName                *string
	FriendlyName              *string
	VoiceURL                  *string
	VoiceMethod               *string
	VoiceFallbackURL          *string
	VoiceFallbackMethod       *string
	VoiceStatusCallbackURL    *string
	VoiceStatusCallbackMethod *string
	SIPRegistration           *bool
	Secure                    *bool
	EmergencyCallingEnabled   *bool
}

// CredentialList groups SIP credentials (username + password).
type CredentialList struct {
	SID          string    `json:"sid"`
	AccountSID   string    `json:"account_sid"`
	FriendlyName string    `json:"friendly_name"`
	DateCreated  time.Time `json:"date_created"`
	DateUpdated  time.Time `json:"date_updated"`
}

// Credential is one SIP username in a credential list. Providers never
// return the password.
type Credential struct {
	SID               string    `json:"sid"`
	AccountSID        string    `json:"account_sid"`
	CredentialListSID string    `json:"credential_list_sid"`
	Username          string    `json:"username"`
	DateCreated       time.Time `json:"date_created"`
	DateUpdated       time.Time `json:"date_updated"`
}

// IPACL is an IP access control list.
type IPACL struct {
	SID          string    `json:"sid"`
	AccountSID   string    `json:"account_sid"`
	FriendlyName string    `json:"friendly_name"`
	DateCreated  time.Time `json:"date_created"`
	DateUpdated  time.Time `json:"date_updated"`
}

// IPAddress is one IPv4 address or range in an IP ACL.
type IPAddress struct {
	SID              string    `json:"sid"`
	AccountSID       string    `json:"account_sid"`
	IPACLSID         string    `json:"ip_access_control_list_sid"`
	FriendlyName     string    `json:"friendly_name"`
	IPAddress        string    `json:"ip_address"`
	CIDRPrefixLength int       `json:"cidr_prefix_length"`
	DateCreated      time.Time `json:"date_created"`
	DateUpdated      time.Time `json:"date_updated"`
}

// AuthKind says what a mapping authenticates on a domain.
type AuthKind string

const (
	ForCalls         AuthKind = "calls"
	ForRegistrations AuthKind = "registrations"
)

// Mapping attaches a credential list or IP ACL to a domain. SID is the
// attached resource's SID (as in Twilio, where the mapping's SID is the
// list's SID).
type Mapping struct {
	SID          string    `json:"sid"`
	DomainSID    string    `json:"domain_sid"`
	FriendlyName string    `json:"friendly_name"`
	Kind         AuthKind  `json:"kind"`
	DateCreated  time.Time `json:"date_created"`
}

// CallerID is a verified outgoing caller ID.
type CallerID struct {
	SID          string    `json:"sid"`
	AccountSID   string    `json:"account_sid"`
	PhoneNumber  string    `json:"phone_number"`
	FriendlyName string    `json:"friendly_name"`
	DateCreated  time.Time `json:"date_created"`
	DateUpdated  time.Time `json:"date_updated"`
}

// ValidationRequest is a started caller ID verification: the person answers
// a call and keys in ValidationCode.
type ValidationRequest struct {
	AccountSID     string `json:"account_sid"`
	CallSID        string `json:"call_sid"`
	FriendlyName   string `json:"friendly_name"`
	PhoneNumber    string `json:"phone_number"`
	ValidationCode string `json:"validation_code"`
}

// Account is a provider account or a reseller's subaccount.
type Account struct {
	SID             string    `json:"sid"`
	FriendlyName    string    `json:"friendly_name"`
	Status          string    `json:"status"` // active, suspended, closed
	Type            string    `json:"type"`   // Trial, Full
	OwnerAccountSID string    `json:"owner_account_sid"`
	DateCreated     time.Time `json:"date_created"`
	DateUpdated     time.Time `json:"date_updated"`
}

// ErrNotFound is matched (errors.Is) by a provider's not-found errors.
var ErrNotFound = errors.New("not found")

// Domains manages SIP domains.
type Domains interface {
	ListDomains(ctx context.Context) iter.Seq2[Domain, error]
	GetDomain(ctx context.Context, sid string) (Domain, error)
	CreateDomain(ctx context.Context, p DomainParams) (Domain, error)
	DeleteDomain(ctx context.Context, sid string) error
}

// DomainSettings is the capability of changing a domain's settings after it
// is made (Twilio's voice URLs, registration switch, secure media): `domains
// update`. A provider whose domains are bare names (Kamailio) lacks it.
type DomainSettings interface {
	UpdateDomain(ctx context.Context, sid string, p DomainParams) (Domain, error)
}

// CredentialLists manages credential lists and the credentials in them.
type CredentialLists interface {
	ListCredentialLists(ctx context.Context) iter.Seq2[CredentialList, error]
	GetCredentialList(ctx context.Context, sid string) (CredentialList, error)
	CreateCredentialList(ctx context.Context, friendlyName string) (CredentialList, error)
	RenameCredentialList(ctx context.Context, sid, friendlyName string) (CredentialList, error)
	DeleteCredentialList(ctx context.Context, sid string) error

	ListCredentials(ctx context.Context, listSID string) iter.Seq2[Credential, error]
	GetCredential(ctx context.Context, listSID, sid string) (Credential, error)
	CreateCredential(ctx context.Context, listSID, username, password string) (Credential, error)
	UpdateCredentialPassword(ctx context.Context, listSID, sid, password string) (Credential, error)
	DeleteCredential(ctx context.Context, listSID, sid string) error
}

// IPACLs manages IP access control lists and their addresses.
type IPACLs interface {
	ListIPACLs(ctx context.Context) iter.Seq2[IPACL, error]
	GetIPACL(ctx context.Context, sid string) (IPACL, error)
	CreateIPACL(ctx context.Context, friendlyName string) (IPACL, error)
	DeleteIPACL(ctx context.Context, sid string) error

	ListIPAddresses(ctx context.Context, aclSID string) iter.Seq2[IPAddress, error]
	AddIPAddress(ctx context.Context, aclSID, friendlyName, ip string, cidrPrefixLength int) (IPAddress, error)
	RemoveIPAddress(ctx context.Context, aclSID, sid string) error
}

// Mappings attaches credential lists (for calls or registrations) and IP ACLs
// (for calls) to domains.
type Mappings interface {
	ListCredentialListMappings(ctx context.Context, domainSID string, kind AuthKind) iter.Seq2[Mapping, error]
	AttachCredentialList(ctx context.Context, domainSID string, kind AuthKind, listSID string) (Mapping, error)
	DetachCredentialList(ctx context.Context, domainSID string, kind AuthKind, listSID string) error

	ListIPACLMappings(ctx context.Context, domainSID string) iter.Seq2[Mapping, error]
	AttachIPACL(ctx context.Context, domainSID, aclSID string) (Mapping, error)
	DetachIPACL(ctx context.Context, domainSID, aclSID string) error
}

// CallerIDs manages verified outgoing caller IDs.
type CallerIDs interface {
	ListCallerIDs(ctx context.Context) iter.Seq2[CallerID, error]
	AddCallerID(ctx context.Context, phoneNumber, friendlyName string) (ValidationRequest, error)
	RenameCallerID(ctx context.Context, sid, friendlyName string) (CallerID, error)
	RemoveCallerID(ctx context.Context, sid string) error
}

// Accounts reads the authenticated account and manages subaccounts.
type Accounts interface {
	GetAccount(ctx context.Context, sid string) (Account, error)
	ListSubaccounts(ctx context.Context) iter.Seq2[Account, error]
	CreateSubaccount(ctx context.Context, friendlyName string) (Account, error)
	// SetAccountStatus moves an account to active, suspended or closed.
	SetAccountStatus(ctx context.Context, sid, status string) (Account, error)
}

// Provider is everything a SIP provider client offers. Commands should take
// the narrowest interface they need.
type Provider interface {
	SIPAccounts
	Domains
	DomainSettings
	CredentialLists
	IPACLs
	Mappings
	CallerIDs
	Accounts

	Scope
}

// Scope is the capability of acting inside one of several accounts: Twilio's
// subaccounts, Telnyx's managed accounts. Journals record AccountSID so a
// resumed run acts in the same account.
type Scope interface {
	// AccountSID is the account requests act on.
	AccountSID() string
	// WithAccount returns a client acting inside a subaccount with the same
	// credentials (a reseller's parent credentials), with the same
	// capabilities as the parent's client.
	WithAccount(sid string) SIPAccounts
}

// AttachedList is a credential list attached to a domain, and for what.
type AttachedList struct {
	SID           string
	FriendlyName  string
	Calls         bool
	Registrations bool
}

// AttachedLists returns the credential lists attached to a domain for
// registrations and for calls, registrations first, each once.
func AttachedLists(ctx context.Context, p Mappings, domainSID string) ([]AttachedList, error) {
	kinds := []AuthKind{ForRegistrations, ForCalls}
	found := make([][]Mapping, len(kinds))
	errs := make([]error, len(kinds))
	read := func(k int) {
		for m, err := range p.ListCredentialListMappings(ctx, domainSID, kinds[k]) {
			if err != nil {
				errs[k] = err
				return
			}
			found[k] = append(found[k], m)
		}
	}
	if parallelReads(ctx) {
		// One round trip instead of two before a domain's accounts.
		var wg sync.WaitGroup
		for k := range kinds {
			wg.Go(func() { read(k) })
		}
		wg.Wait()
	} else {
		for k := range kinds {
			if read(k); errs[k] != nil {
				break
			}
		}
	}
	var out []AttachedList
	index := map[string]int{}
	for k, kind := range kinds {
		if errs[k] != nil {
			return nil, errs[k]
		}
		for _, m := range found[k] {
			i, seen := index[m.SID]
			if !seen {
				i = len(out)
				index[m.SID] = i
				out = append(out, AttachedList{SID: m.SID, FriendlyName: m.FriendlyName})
			}
			if kind == ForRegistrations {
				out[i].Registrations = true
			} else {
				out[i].Calls = true
			}
		}
	}
	return out, nil
}
