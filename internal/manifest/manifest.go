// Package manifest is sipctl's declarative file: the SIP domains, the
// accounts on each, the IP ACLs with their addresses, and which ACLs apply
// to which domain, in a provider-neutral YAML (or JSON) document that
// `sipctl plan`, `apply` and `export` share. It holds no secret: a password
// anywhere in a file is refused.
package manifest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/devices"
	"github.com/sipctl/sipctl/internal/provider"
)

// File is a parsed manifest. Names are as written; Resolve completes them
// with the provider's rules.
type File struct {
	// Provider, when set, must be the active profile's provider.
	Provider string
	// Policy is the password policy new accounts' passwords are generated
	// with (a built-in name or key=value settings); "" for the profile's.
	Policy  string
	Domains []Domain
	IPACLs  []IPACL
	// Devices are the phones and softphones that carry the accounts
	// (`provision render`, `apply --provision-dir`).
	Devices []devices.Device

	// Source is the file name errors are reported against.
	Source      string
	providerPos Pos
	hasProvider bool
}

// Pos is a place in the file.
type Pos struct{ Line, Column int }

// Domain is one SIP domain and what it should hold.
type Domain struct {
	Name     string
	Accounts []Account
	// IPACLs names the IP ACLs attached to the domain (for calls).
	IPACLs []string
	// Twilio holds settings only Twilio has.
	Twilio *TwilioDomain
	// AccountsGiven and IPACLsGiven say the keys are present: only then
	// does the file manage the domain's accounts (--prune deletes those it
	// does not name) and its attached IP ACLs (exactly those named).
	AccountsGiven, IPACLsGiven bool

	Pos    Pos
	aclPos []Pos
}

// TwilioDomain is the `twilio:` key of a domain.
type TwilioDomain struct {
	// CredentialList names which of the domain's attached credential lists
	// new accounts go on (default: the one attached for registrations).
	CredentialList string
}

// Account is one SIP account on a domain.
type Account struct {
	Username string
	// TTL, when set, makes a new account expire this long after apply
	// creates it (recorded at the provider, like `accounts create --ttl`).
	// It applies to creation only: an existing account keeps its expiry.
	TTL time.Duration
	// Telnyx holds settings only Telnyx has.
	Telnyx *TelnyxAccount

	Pos Pos
}

// TelnyxAccount is the `telnyx:` key of an account.
type TelnyxAccount struct {
	// ConnectionName names the credential connection (default: the
	// username).
	ConnectionName         string
	ChannelLimit           int
	CallerID               string
	OutboundVoiceProfileID string

	Pos Pos
}

// Options are the provider-specific choices of a new account, as
// provider.NewSIPAccount takes them.
func (a Account) Options(d Domain) map[string]string {
	o := map[string]string{}
	if d.Twilio != nil && d.Twilio.CredentialList != "" {
		o["credential_list"] = d.Twilio.CredentialList
	}
	if t := a.Telnyx; t != nil {
		if t.ConnectionName != "" {
			o["connection_name"] = t.ConnectionName
		}
		if t.ChannelLimit > 0 {
			o["channel_limit"] = strconv.Itoa(t.ChannelLimit)
		}
		if t.CallerID != "" {
			o["caller_id"] = t.CallerID
		}
		if t.OutboundVoiceProfileID != "" {
			o["outbound_voice_profile_id"] = t.OutboundVoiceProfileID
		}
	}
	if len(o) == 0 {
		return nil
	}
	return o
}

// IPACL is an IP access control list and its addresses.
type IPACL struct {
	Name      string
	Addresses []Address
	// AddressesGiven says the key is present: the ACL then holds exactly
	// the addresses named.
	AddressesGiven bool
	// AllowWide (allow_wide: true) admits ranges wider than /8.
	AllowWide bool

	Pos Pos
}

// Address is an IPv4 address or range, "203.0.113.10" or "198.51.100.0/24".
type Address struct {
	IP     string
	Prefix int
	// Name is the entry's friendly name at the provider ("" for the
	// address itself), written {address: …, name: …}.
	Name string

	Pos Pos
}

// String is the address as the file writes it: no /32 for one host.
func (a Address) String() string {
	if a.Prefix == 32 || a.Prefix == 0 && !strings.Contains(a.IP, ":") {
		return a.IP
	}
	return fmt.Sprintf("%s/%d", a.IP, a.Prefix)
}

// ParseAddress reads "IP" or "IP/PREFIX" (IPv4: what IP ACLs hold) by the
// rule the command line follows too (provider.ParseIPv4Entry): a range is
// written by its network address, and one wider than /8 needs allowWide
// (an ACL's allow_wide: true).
func ParseAddress(s string, allowWide bool) (Address, error) {
	ip, prefix, err := provider.ParseIPv4Entry(s, allowWide)
	if err != nil {
		return Address{}, fmt.Errorf("address %v", err)
	}
	if prefix == 0 {
		prefix = 32
	}
	return Address{IP: ip, Prefix: prefix}, nil
}
