// Package providerfake is an in-memory, provider-neutral SIP provider for
// command tests whose point is not a wire format: what a command prints,
// asks, refuses or exits with, given accounts, domains and IP ACLs. It has
// the core (provider.SIPAccounts) and the Domains, IPACLs and Registrations
// capabilities, and passes the conformance suite (providertest) as any
// provider does. Tests of a provider's wire (Twilio's forms, Telnyx's JSON)
// use that provider's client against its real peer instead.
package providerfake

import (
	"context"
	"fmt"
	"iter"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

// Fake is the provider. Its zero value is not usable; call New.
type Fake struct {
	mu      sync.Mutex
	next    int
	domains map[string]provider.Domain // by name
	// accounts by domain, then username; passwords kept for Password.
	accounts  map[string]map[string]provider.SIPAccount
	passwords map[string]string // by Ref
	acls      map[string]provider.IPACL
	addresses map[string][]provider.IPAddress  // by ACL SID
	reg       map[string]provider.Registration // by Ref
	// Calls counts the calls made, by method name, for tests that assert
	// none was made (a refusal before any request).
	calls map[string]int
}

var (
	_ provider.SIPAccounts   = (*Fake)(nil)
	_ provider.Domains       = (*Fake)(nil)
	_ provider.IPACLs        = (*Fake)(nil)
	_ provider.Registrations = (*Fake)(nil)
)

// New returns a fake with the given domains.
func New(domains ...string) *Fake {
	f := &Fake{domains: map[string]provider.Domain{}, accounts: map[string]map[string]provider.SIPAccount{},
		passwords: map[string]string{}, acls: map[string]provider.IPACL{}, addresses: map[string][]provider.IPAddress{},
		reg: map[string]provider.Registration{}, calls: map[string]int{}}
	for _, d := range domains {
		f.addDomain(d)
	}
	return f
}

func (f *Fake) id(prefix string) string {
	f.next++
	return fmt.Sprintf("%s%d", prefix, f.next)
}

func (f *Fake) call(name string) {
	f.mu.Lock()
	f.calls[name]++
	f.mu.Unlock()
}

// Calls is how many calls of the named method were made ("" for all).
func (f *Fake) Calls(name string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != "" {
		return f.calls[name]
	}
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *Fake) addDomain(name string) provider.Domain {
	d := provider.Domain{SID: f.id("D"), DomainName: name, FriendlyName: name, SIPRegistration: true, DateCreated: time.Now().UTC()}
	f.domains[name] = d
	f.accounts[name] = map[string]provider.SIPAccount{}
	return d
}

// Password is an account's current password ("" when there is none).
func (f *Fake) Password(username, domain string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.accounts[domain][username]
	if !ok {
		return ""
	}
	return f.passwords[a.Ref]
}

// SetRegistered marks an account registered (a phone's REGISTER).
func (f *Fake) SetRegistered(username, domain, contact string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.accounts[domain][username]; ok {
		f.reg[a.Ref] = provider.Registration{State: provider.Registered, Contact: contact, LastSeen: time.Now().UTC()}
	}
}

// Name is "fake".
func (f *Fake) Name() string { return "fake" }

// CanonicalDomain lower-cases a host name.
func (f *Fake) CanonicalDomain(name string) (string, error) {
	n := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(name), "."))
	if n == "" || strings.ContainsAny(n, " /:@") {
		return "", fmt.Errorf("invalid domain %q: expected a host name", name)
	}
	return n, nil
}

// ValidateUsername applies RFC 3261's user characters.
func (f *Fake) ValidateUsername(u string) error { return provider.CheckSIPUser(u) }

// ListSIPAccounts lists by domain, then username.
func (f *Fake) ListSIPAccounts(ctx context.Context, q provider.AccountQuery) iter.Seq2[provider.SIPAccount, error] {
	f.call("ListSIPAccounts")
	return func(yield func(provider.SIPAccount, error) bool) {
		if len(q.Options) > 0 {
			yield(provider.SIPAccount{}, fmt.Errorf("fake: unknown listing options %v", q.Options))
			return
		}
		f.mu.Lock()
		var all []provider.SIPAccount
		for d, as := range f.accounts {
			if q.Domain != "" && d != q.Domain {
				continue
			}
			for _, a := range as {
				all = append(all, a)
			}
		}
		f.mu.Unlock()
		sort.Slice(all, func(i, j int) bool { return all[i].Address() < all[j].Address() })
		for _, a := range all {
			if err := ctx.Err(); err != nil {
				yield(provider.SIPAccount{}, err)
				return
			}
			if !yield(a, nil) {
				return
			}
		}
	}
}

// GetSIPAccount finds one account.
func (f *Fake) GetSIPAccount(ctx context.Context, username, domain string) (provider.SIPAccount, error) {
	f.call("GetSIPAccount")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.domains[domain]; !ok {
		return provider.SIPAccount{}, &provider.NotFoundError{What: provider.WhatDomains, Name: domain}
	}
	a, ok := f.accounts[domain][username]
	if !ok {
		return provider.SIPAccount{}, &provider.NotFoundError{What: provider.WhatAccount, Name: username, Where: "on " + domain}
	}
	return a, nil
}

// CreateSIPAccount creates an account on an existing domain.
func (f *Fake) CreateSIPAccount(ctx context.Context, n provider.NewSIPAccount) (provider.SIPAccount, error) {
	f.call("CreateSIPAccount")
	if err := f.ValidateUsername(n.Username); err != nil {
		return provider.SIPAccount{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.domains[n.Domain]; !ok {
		return provider.SIPAccount{}, &provider.NotFoundError{What: provider.WhatDomains, Name: n.Domain}
	}
	if a, ok := f.accounts[n.Domain][n.Username]; ok {
		return a, fmt.Errorf("SIP account %s: %w", a.Address(), provider.ErrExists)
	}
	if len(n.Options) > 0 {
		return provider.SIPAccount{}, fmt.Errorf("fake: unknown options %v", n.Options)
	}
	a := provider.SIPAccount{Ref: f.id("A"), Username: n.Username, Domain: n.Domain, Created: time.Now().UTC(),
		Registrar: provider.Registrar{Host: n.Domain, Transports: []provider.Transport{{Protocol: "UDP", Port: 5060}}}}
	f.accounts[n.Domain][n.Username] = a
	f.passwords[a.Ref] = n.Password
	return a, nil
}

// SetSIPPassword sets an existing account's password.
func (f *Fake) SetSIPPassword(ctx context.Context, a provider.SIPAccount, password string) error {
	f.call("SetSIPPassword")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.passwords[a.Ref]; !ok {
		return &provider.NotFoundError{What: provider.WhatAccount, Name: a.Username, Where: "on " + a.Domain}
	}
	f.passwords[a.Ref] = password
	return nil
}

// DeleteSIPAccount removes an account.
func (f *Fake) DeleteSIPAccount(ctx context.Context, a provider.SIPAccount) error {
	f.call("DeleteSIPAccount")
	f.mu.Lock()
	defer f.mu.Unlock()
	for d, as := range f.accounts {
		for u, x := range as {
			if x.Ref == a.Ref {
				delete(f.accounts[d], u)
				delete(f.passwords, a.Ref)
				delete(f.reg, a.Ref)
				return nil
			}
		}
	}
	return &provider.NotFoundError{What: provider.WhatAccount, Name: a.Username, Where: "on " + a.Domain}
}

// ListDomains lists by name.
func (f *Fake) ListDomains(ctx context.Context) iter.Seq2[provider.Domain, error] {
	f.call("ListDomains")
	return func(yield func(provider.Domain, error) bool) {
		f.mu.Lock()
		ds := make([]provider.Domain, 0, len(f.domains))
		for _, d := range f.domains {
			ds = append(ds, d)
		}
		f.mu.Unlock()
		sort.Slice(ds, func(i, j int) bool { return ds[i].DomainName < ds[j].DomainName })
		for _, d := range ds {
			if !yield(d, nil) {
				return
			}
		}
	}
}

// GetDomain finds a domain by SID or name.
func (f *Fake) GetDomain(ctx context.Context, ref string) (provider.Domain, error) {
	f.call("GetDomain")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range f.domains {
		if d.SID == ref || d.DomainName == ref {
			return d, nil
		}
	}
	return provider.Domain{}, &provider.NotFoundError{What: provider.WhatDomains, Name: ref}
}

// CreateDomain makes a domain; ErrExists for a taken name.
func (f *Fake) CreateDomain(ctx context.Context, p provider.DomainParams) (provider.Domain, error) {
	f.call("CreateDomain")
	if p.DomainName == nil {
		return provider.Domain{}, fmt.Errorf("a domain name is required")
	}
	name, err := f.CanonicalDomain(*p.DomainName)
	if err != nil {
		return provider.Domain{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.domains[name]; ok {
		return provider.Domain{}, fmt.Errorf("domain %s %w", name, provider.ErrExists)
	}
	return f.addDomain(name), nil
}

// DeleteDomain removes a domain without accounts.
func (f *Fake) DeleteDomain(ctx context.Context, ref string) error {
	f.call("DeleteDomain")
	f.mu.Lock()
	defer f.mu.Unlock()
	for name, d := range f.domains {
		if d.SID == ref || d.DomainName == ref {
			if len(f.accounts[name]) > 0 {
				return fmt.Errorf("domain %s has %d accounts", name, len(f.accounts[name]))
			}
			delete(f.domains, name)
			delete(f.accounts, name)
			return nil
		}
	}
	return &provider.NotFoundError{What: provider.WhatDomains, Name: ref}
}

// ListIPACLs lists by name.
func (f *Fake) ListIPACLs(ctx context.Context) iter.Seq2[provider.IPACL, error] {
	f.call("ListIPACLs")
	return func(yield func(provider.IPACL, error) bool) {
		f.mu.Lock()
		out := make([]provider.IPACL, 0, len(f.acls))
		for _, a := range f.acls {
			out = append(out, a)
		}
		f.mu.Unlock()
		sort.Slice(out, func(i, j int) bool { return out[i].FriendlyName < out[j].FriendlyName })
		for _, a := range out {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// GetIPACL finds an IP ACL by SID or name.
func (f *Fake) GetIPACL(ctx context.Context, ref string) (provider.IPACL, error) {
	f.call("GetIPACL")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.acls {
		if a.SID == ref || a.FriendlyName == ref {
			return a, nil
		}
	}
	return provider.IPACL{}, &provider.NotFoundError{What: provider.WhatIPACLs, Name: ref}
}

// CreateIPACL makes an IP ACL; ErrExists for a taken name.
func (f *Fake) CreateIPACL(ctx context.Context, name string) (provider.IPACL, error) {
	f.call("CreateIPACL")
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.acls {
		if a.FriendlyName == name {
			return provider.IPACL{}, fmt.Errorf("IP ACL %s %w", name, provider.ErrExists)
		}
	}
	a := provider.IPACL{SID: f.id("L"), FriendlyName: name, DateCreated: time.Now().UTC()}
	f.acls[a.SID] = a
	return a, nil
}

// DeleteIPACL removes an IP ACL and its addresses.
func (f *Fake) DeleteIPACL(ctx context.Context, sid string) error {
	f.call("DeleteIPACL")
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.acls[sid]; !ok {
		return &provider.NotFoundError{What: provider.WhatIPACLs, Name: sid}
	}
	delete(f.acls, sid)
	delete(f.addresses, sid)
	return nil
}

// ListIPAddresses lists an IP ACL's addresses in the order added.
func (f *Fake) ListIPAddresses(ctx context.Context, aclSID string) iter.Seq2[provider.IPAddress, error] {
	f.call("ListIPAddresses")
	return func(yield func(provider.IPAddress, error) bool) {
		f.mu.Lock()
		_, ok := f.acls[aclSID]
		out := append([]provider.IPAddress(nil), f.addresses[aclSID]...)
		f.mu.Unlock()
		if !ok {
			yield(provider.IPAddress{}, &provider.NotFoundError{What: provider.WhatIPACLs, Name: aclSID})
			return
		}
		for _, a := range out {
			if !yield(a, nil) {
				return
			}
		}
	}
}

// AddIPAddress adds an IPv4 address or range.
func (f *Fake) AddIPAddress(ctx context.Context, aclSID, friendlyName, ip string, prefix int) (provider.IPAddress, error) {
	f.call("AddIPAddress")
	if p := net.ParseIP(ip); p == nil || p.To4() == nil || prefix < 8 || prefix > 32 {
		return provider.IPAddress{}, fmt.Errorf("invalid IP address %q/%d: expected an IPv4 address and a prefix of 8 to 32", ip, prefix)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.acls[aclSID]; !ok {
		return provider.IPAddress{}, &provider.NotFoundError{What: provider.WhatIPACLs, Name: aclSID}
	}
	for _, a := range f.addresses[aclSID] {
		if a.IPAddress == ip && a.CIDRPrefixLength == prefix {
			return provider.IPAddress{}, fmt.Errorf("%s/%d %w", ip, prefix, provider.ErrExists)
		}
	}
	a := provider.IPAddress{SID: f.id("I"), IPACLSID: aclSID, FriendlyName: friendlyName, IPAddress: ip,
		CIDRPrefixLength: prefix, DateCreated: time.Now().UTC()}
	f.addresses[aclSID] = append(f.addresses[aclSID], a)
	return a, nil
}

// RemoveIPAddress removes an address.
func (f *Fake) RemoveIPAddress(ctx context.Context, aclSID, sid string) error {
	f.call("RemoveIPAddress")
	f.mu.Lock()
	defer f.mu.Unlock()
	as := f.addresses[aclSID]
	for i, a := range as {
		if a.SID == sid {
			f.addresses[aclSID] = append(as[:i:i], as[i+1:]...)
			return nil
		}
	}
	return &provider.NotFoundError{What: provider.WhatIPAddresses, Name: sid}
}

// RegistrationStatus answers by Ref; accounts nobody registered (see
// SetRegistered) are not registered.
func (f *Fake) RegistrationStatus(ctx context.Context, accounts []provider.SIPAccount) (map[string]provider.Registration, error) {
	f.call("RegistrationStatus")
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]provider.Registration, len(accounts))
	for _, a := range accounts {
		if r, ok := f.reg[a.Ref]; ok {
			out[a.Ref] = r
		} else {
			out[a.Ref] = provider.Registration{State: provider.NotRegistered}
		}
	}
	return out, nil
}
