// Package reconcile compares a manifest with what a provider holds and makes
// the provider match: the engine behind `sipctl plan`, `apply` and `export`.
// It speaks only the provider-neutral interface and the capabilities a
// provider has (domains, IP ACLs, mappings), asked for with provider.Require.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/sipctl/sipctl/internal/manifest"
	"github.com/sipctl/sipctl/internal/provider"
)

// State is what the provider holds of what a manifest describes.
type State struct {
	Provider string
	// Domains by canonical name.
	Domains map[string]*DomainState
	// IPACLs by name.
	IPACLs map[string]*ACLState
	// HasDomains, HasIPACLs and HasMappings say which capabilities the
	// provider has; without Domains a domain exists when it has accounts.
	HasDomains, HasIPACLs, HasMappings bool
}

// DomainState is one domain at the provider.
type DomainState struct {
	Name string
	// SID is the provider's reference ("" without the Domains capability).
	SID string
	// Accounts by username: the one the file names (for a provider that
	// makes its own usernames, provider.RequestedNames, the one asked for).
	Accounts map[string]provider.SIPAccount
	// ACLs attached for calls, by name, with their SIDs.
	ACLs map[string]string
}

// ACLState is one IP ACL at the provider.
type ACLState struct {
	SID       string
	Name      string
	Addresses map[string]provider.IPAddress // by manifest.Address.String()
}

// addressKey is an entry as a manifest writes it. A provider may hold a
// range written with host bits (10.0.0.5/24); it is keyed by the range it
// covers (10.0.0.0/24), which is what a manifest must say.
func addressKey(a provider.IPAddress) string {
	p := a.CIDRPrefixLength
	if p == 0 {
		p = 32
	}
	ip := a.IPAddress
	if addr, err := netip.ParseAddr(ip); err == nil && addr.Is4() {
		if m, err := addr.Prefix(p); err == nil {
			ip = m.Addr().String()
		}
	}
	return manifest.Address{IP: ip, Prefix: p}.String()
}

// ReadOptions say how much of the provider to read.
type ReadOptions struct {
	// All reads every domain and IP ACL, not only those the file names
	// (export, and plan --prune).
	All bool
}

// Read lists what the provider holds of the domains and IP ACLs f names
// (or all of them), through the neutral interface and its capabilities.
// Nothing is written.
func Read(ctx context.Context, p provider.SIPAccounts, f *manifest.File, o ReadOptions) (*State, error) {
	// Nothing else is in flight: the listing may read in parallel.
	ctx = provider.WithParallelReads(ctx)
	st := &State{Provider: p.Name(), Domains: map[string]*DomainState{}, IPACLs: map[string]*ACLState{}}
	want := map[string]bool{}
	wantACL := map[string]bool{}
	// mapped: domains whose attached IP ACLs the file manages (all of them
	// for an export); the others' mappings are not read.
	mapped := map[string]bool{}
	if f != nil {
		for _, d := range f.Domains {
			want[d.Name] = true
			mapped[d.Name] = d.IPACLsGiven
		}
		for _, a := range f.IPACLs {
			wantACL[a.Name] = true
		}
	}
	doms, hasDomains := provider.Lookup[provider.Domains](p)
	acls, hasACLs := provider.Lookup[provider.IPACLs](p)
	maps, hasMaps := provider.Lookup[provider.Mappings](p)
	st.HasDomains, st.HasIPACLs, st.HasMappings = hasDomains, hasACLs, hasMaps
	names, requested := p.(provider.RequestedNames)

	if hasACLs && (o.All || len(wantACL) > 0 || fileAttachesACLs(f)) {
		for a, err := range acls.ListIPACLs(ctx) {
			if err != nil {
				return nil, fmt.Errorf("listing IP ACLs: %w", err)
			}
			if !o.All && !wantACL[a.FriendlyName] {
				continue
			}
			if _, dup := st.IPACLs[a.FriendlyName]; dup {
				return nil, fmt.Errorf("the provider has two IP ACLs named %q; rename one (`sipctl ipacls`) so the file can name it", a.FriendlyName)
			}
			as := &ACLState{SID: a.SID, Name: a.FriendlyName, Addresses: map[string]provider.IPAddress{}}
			for ip, err := range acls.ListIPAddresses(ctx, a.SID) {
				if err != nil {
					return nil, fmt.Errorf("listing the addresses of IP ACL %q: %w", a.FriendlyName, err)
				}
				as.Addresses[addressKey(ip)] = ip
			}
			st.IPACLs[a.FriendlyName] = as
		}
	}

	if hasDomains {
		for d, err := range doms.ListDomains(ctx) {
			if err != nil {
				return nil, fmt.Errorf("listing domains: %w", err)
			}
			name := strings.ToLower(d.DomainName)
			if !o.All && !want[name] {
				continue
			}
			st.Domains[name] = &DomainState{Name: name, SID: d.SID, Accounts: map[string]provider.SIPAccount{}, ACLs: map[string]string{}}
		}
	} else {
		for name := range want {
			st.Domains[name] = &DomainState{Name: name, Accounts: map[string]provider.SIPAccount{}, ACLs: map[string]string{}}
		}
	}
	for _, name := range sortedKeys(st.Domains) {
		ds := st.Domains[name]
		if hasMaps && ds.SID != "" && (o.All || mapped[name]) {
			for m, err := range maps.ListIPACLMappings(ctx, ds.SID) {
				if err != nil {
					return nil, fmt.Errorf("listing the IP ACLs of %s: %w", name, err)
				}
				ds.ACLs[m.FriendlyName] = m.SID
			}
		}
		for a, err := range p.ListSIPAccounts(ctx, provider.AccountQuery{Domain: name}) {
			if err != nil {
				if !hasDomains && isNotFound(err) {
					break
				}
				return nil, fmt.Errorf("listing the accounts of %s: %w", name, err)
			}
			// A username on several of a domain's lists is one account to
			// the file; the first found stands for it. Where the provider
			// makes its own usernames (Plivo), the file names the one asked
			// for, and the state maps it to the account made.
			key := a.Username
			if requested {
				key = names.RequestedName(a)
			}
			if _, seen := ds.Accounts[key]; !seen {
				ds.Accounts[key] = a
			}
		}
		if !hasDomains && len(ds.Accounts) == 0 {
			delete(st.Domains, name)
		}
	}
	return st, nil
}

func fileAttachesACLs(f *manifest.File) bool {
	if f == nil {
		return false
	}
	for _, d := range f.Domains {
		if len(d.IPACLs) > 0 {
			return true
		}
	}
	return false
}

func isNotFound(err error) bool { return errors.Is(err, provider.ErrNotFound) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Export is the state as a manifest: every domain with its accounts and
// attached IP ACLs, every IP ACL with its addresses, and no secret (the
// provider returns none).
func (st *State) Export(now time.Time) *manifest.File {
	f := &manifest.File{Provider: st.Provider}
	for _, name := range sortedKeys(st.Domains) {
		ds := st.Domains[name]
		d := manifest.Domain{Name: name, AccountsGiven: true, IPACLsGiven: len(ds.ACLs) > 0}
		for _, u := range sortedKeys(ds.Accounts) {
			a := manifest.Account{Username: u}
			if exp := ds.Accounts[u].ExpiresAt; !exp.IsZero() {
				// What is left of it, in whole minutes (at least one: an
				// expired account still lives until cleanup).
				a.TTL = max(exp.Sub(now).Truncate(time.Minute), time.Minute)
			}
			d.Accounts = append(d.Accounts, a)
		}
		d.IPACLs = sortedKeys(ds.ACLs)
		if l := commonList(name, ds.Accounts); l != "" {
			d.Twilio = &manifest.TwilioDomain{CredentialList: l}
		}
		f.Domains = append(f.Domains, d)
	}
	for _, name := range sortedKeys(st.IPACLs) {
		as := st.IPACLs[name]
		acl := manifest.IPACL{Name: name, AddressesGiven: true}
		for _, k := range sortedKeys(as.Addresses) {
			a, err := manifest.ParseAddress(k, true)
			if err != nil {
				continue // not IPv4: no manifest can hold it
			}
			// A name other than the address itself (what apply gives
			// an unnamed one) is kept.
			if n := as.Addresses[k].FriendlyName; n != "" && n != k && n != a.IP {
				a.Name = n
			}
			acl.Addresses = append(acl.Addresses, a)
		}
		f.IPACLs = append(f.IPACLs, acl)
	}
	return f
}

// commonList is the credential list (a Twilio account attribute) every
// account of the domain without an expiry is on, when it is not the one
// new accounts go on by default (PREFIX-users): the file then says so, and
// apply puts new accounts beside them.
func commonList(domain string, accounts map[string]provider.SIPAccount) string {
	list := ""
	for _, a := range accounts {
		if !a.ExpiresAt.IsZero() {
			continue // on the domain's expiry list
		}
		l := a.Attributes["credential_list"]
		if l == "" || (list != "" && l != list) {
			return ""
		}
		list = l
	}
	prefix, _, _ := strings.Cut(domain, ".")
	if list == prefix+"-users" || list == strings.TrimSuffix(domain, ".sip.twilio.com")+"-users" {
		return ""
	}
	return list
}
