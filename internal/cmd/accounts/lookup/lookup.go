// Package lookup finds SIP accounts the way a person names them (a username
// on a domain) among the credential lists attached to that domain, and
// describes what a phone needs to register with one.
package lookup

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

// Account is a SIP account as accounts commands print it. Field names are a
// stable contract for --json; Password is set only by create.
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
	}
}

// Target splits what a person typed into a username and a domain reference:
// "alice@office.sip.twilio.com", or "alice" with --domain, or "alice" with
// the profile's default domain. Both are checked before any request.
func Target(arg, domainFlag string, prof *config.Profile) (username, domain string, err error) {
	username = arg
	if u, d, ok := strings.Cut(arg, "@"); ok {
		if domainFlag != "" {
			return "", "", cmdutil.FlagErrorf("%q already names a domain; drop --domain or give only the username", arg)
		}
		username, domain = strings.TrimPrefix(u, "sip:"), d
	} else {
		domain = domainFlag
	}
	if domain == "" && prof != nil {
		domain = prof.DefaultDomain
	}
	if domain == "" {
		return "", "", cmdutil.FlagErrorf("no domain: pass --domain NAME, write the account as USER@DOMAIN, or set a default with `sipctl profile set default_domain NAME`")
	}
	if err := resolve.Username(username); err != nil {
		return "", "", cmdutil.FlagErrorf("%v", err)
	}
	if err := DomainRef(domain); err != nil {
		return "", "", err
	}
	return username, domain, nil
}

// DomainRef checks a --domain value before any request: a SID, or a name
// that completes to NAME.sip.twilio.com.
func DomainRef(ref string) error {
	if twilio.IsSID(twilio.PrefixDomain, ref) {
		return nil
	}
	if _, err := resolve.DomainName(ref); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	return nil
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
func AttachedLists(ctx context.Context, p provider.Mappings, domainSID string) ([]AttachedList, error) {
	var out []AttachedList
	index := map[string]int{}
	for _, kind := range []provider.AuthKind{provider.ForRegistrations, provider.ForCalls} {
		for m, err := range p.ListCredentialListMappings(ctx, domainSID, kind) {
			if err != nil {
				return nil, err
			}
			i, seen := index[m.SID]
			if !seen {
				i = len(out)
				index[m.SID] = i
				out = append(out, AttachedList{SID: m.SID, FriendlyName: m.FriendlyName})
			}
			if kind == provider.ForRegistrations {
				out[i].Registrations = true
			} else {
				out[i].Calls = true
			}
		}
	}
	return out, nil
}

// Lister is what listing and finding accounts needs.
type Lister interface {
	provider.Mappings
	provider.CredentialLists
}

// Accounts yields every account on the lists attached to d, list by list.
func Accounts(ctx context.Context, p Lister, d provider.Domain, lists []AttachedList) iter.Seq2[Account, error] {
	return func(yield func(Account, error) bool) {
		for _, l := range lists {
			for c, err := range p.ListCredentials(ctx, l.SID) {
				if err != nil {
					yield(Account{}, err)
					return
				}
				if !yield(NewAccount(c, l, d), nil) {
					return
				}
			}
		}
	}
}

// Find looks a username up on the lists attached to a domain. listRef, when
// set, narrows the search to the list with that SID or friendly name. A
// username present on several lists is ambiguous without it.
func Find(ctx context.Context, p Lister, d provider.Domain, username, listRef string) (Account, error) {
	lists, err := AttachedLists(ctx, p, d.SID)
	if err != nil {
		return Account{}, err
	}
	if listRef != "" {
		var kept []AttachedList
		for _, l := range lists {
			if l.SID == listRef || l.FriendlyName == listRef {
				kept = append(kept, l)
			}
		}
		if len(kept) == 0 {
			return Account{}, cmdutil.WithHint(fmt.Errorf("no credential list %q is attached to %s", listRef, d.DomainName),
				fmt.Sprintf("see what is attached with `sipctl domains show %s`", d.DomainName))
		}
		lists = kept
	}
	var found []Account
	for a, err := range Accounts(ctx, p, d, lists) {
		if err != nil {
			return Account{}, err
		}
		if a.Username == username {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return Account{}, cmdutil.WithHint(notFound(fmt.Sprintf("no SIP account %q on %s", username, d.DomainName)),
			fmt.Sprintf("list accounts with `sipctl accounts list --domain %s`", d.DomainName))
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, a := range found {
		names[i] = fmt.Sprintf("%s (%s)", a.CredentialList, a.CredentialListSID)
	}
	return Account{}, cmdutil.WithHint(fmt.Errorf("%q is on %d credential lists of %s: %s", username, len(found), d.DomainName, strings.Join(names, ", ")),
		"choose one with --list NAME|SID")
}

// notFound is a message that errors.Is matches to provider.ErrNotFound.
type notFound string

func (e notFound) Error() string        { return string(e) }
func (e notFound) Is(target error) bool { return target == provider.ErrNotFound }
