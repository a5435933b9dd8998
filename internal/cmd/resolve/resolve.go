// Package resolve turns what a person types for a SIP resource (a SID, a
// domain name, a list's friendly name) into the resource, with errors that
// say what does not exist and how to create it.
package resolve

import (
	"context"
	"errors"
	"fmt"
	"github.com/sipctl/sipctl/internal/output"
	"net/netip"
	"strings"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/provider"
)

// DomainSuffix is what Twilio requires every SIP domain name to end with;
// kept for `accounts create` (Twilio's DOMAIN-users list name).
const DomainSuffix = "sip.twilio.com"

// Name refuses a name or friendly name sipctl would create or set that holds
// a control character (ESC, LF, DEL, SOH, …) or invisible formatting: such a
// name could later move the cursor, retitle a terminal or forge a TSV row
// wherever it is printed. what names the value ("credential list name").
func Name(what, s string) error {
	if err := output.CheckText(what, s); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	return nil
}

// IPv4 parses an IP ACL entry the user names to find an existing one (for
// removal): an IPv4 address with an optional /prefix length (1-32), prefix
// 0 when none was given. A range is matched by its network (10.0.0.5/24
// finds 10.0.0.0/24), since a provider may hold an entry written either
// way. Entries being added go through provider.ParseIPv4Entry, which
// refuses such a range instead.
func IPv4(s string) (addr string, prefix int, err error) {
	s = strings.TrimSpace(s)
	addr, prefix, err = provider.ParseIPv4Entry(s, true)
	if err == nil || !strings.Contains(err.Error(), "outside its") {
		return addr, prefix, err
	}
	p, perr := netip.ParsePrefix(s)
	if perr != nil {
		return "", 0, err
	}
	return p.Masked().Addr().String(), p.Bits(), nil
}

// SameIPv4Entry reports whether an ACL entry (address, prefix as stored,
// 0 or 32 for one address) covers exactly the range addr/prefix: the same
// network once host bits are dropped.
func SameIPv4Entry(haveAddr string, havePrefix int, addr string, prefix int) bool {
	if !samePrefix(havePrefix, prefix) {
		return false
	}
	n, _, _ := IPv4(fmt.Sprintf("%s/%d", haveAddr, normPrefix(havePrefix)))
	m, _, _ := IPv4(fmt.Sprintf("%s/%d", addr, normPrefix(prefix)))
	return n != "" && n == m
}

func normPrefix(n int) int {
	if n == 0 {
		return 32
	}
	return n
}

// notFound names the missing resource, and hints how to create or find it.
func notFound(kind, ref, where, hint string) error {
	if where == "" {
		where = "this account"
	}
	return cmdutil.WithHint(fmt.Errorf("no %s %q in %s", kind, ref, where), hint)
}

func ambiguous(kind, ref string, sids []string) error {
	return cmdutil.WithHint(fmt.Errorf("%d %ss are named %q: %s", len(sids), kind, ref, strings.Join(sids, ", ")),
		"give the SID instead of the name")
}

// Domain finds a domain by ID (a Twilio SID), full name, or the short form
// the provider completes (p.CanonicalDomain: "office" on Twilio).
func Domain(ctx context.Context, p provider.Domains, ref string) (provider.Domain, error) {
	if provider.IsID(p, provider.WhatDomains, ref) {
		d, err := p.GetDomain(ctx, ref)
		if isNotFound(err) {
			return d, notFound("domain", ref, "", "list domains with `sipctl domains list`")
		}
		return d, err
	}
	name, err := CanonicalDomain(p, ref)
	if err != nil {
		return provider.Domain{}, err
	}
	for d, err := range p.ListDomains(ctx) {
		if err != nil {
			return provider.Domain{}, err
		}
		if strings.EqualFold(d.DomainName, name) {
			return d, nil
		}
	}
	return provider.Domain{}, notFound("domain", name, "", fmt.Sprintf("create it with `sipctl domains create %s`", shellQuote(ref)))
}

// CanonicalDomain completes and checks a domain as the provider names it
// (provider.SIPAccounts.CanonicalDomain), before any request: a usage error
// (exit 2) when the provider refuses it.
func CanonicalDomain(p any, ref string) (string, error) {
	sa, ok := p.(provider.SIPAccounts)
	if !ok {
		return ref, nil
	}
	name, err := sa.CanonicalDomain(ref)
	if err != nil {
		return "", cmdutil.FlagErrorf("%v", err)
	}
	return name, nil
}

// Username checks a username by the provider's rules
// (provider.SIPAccounts.ValidateUsername), before any request: a usage error
// (exit 2) naming the rule.
func Username(p provider.SIPAccounts, u string) error {
	if err := output.CheckText("username", u); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	if err := p.ValidateUsername(u); err != nil {
		return cmdutil.FlagErrorf("%v", err)
	}
	return nil
}

// CredentialList finds a credential list by SID or friendly name.
func CredentialList(ctx context.Context, p provider.CredentialLists, ref string) (provider.CredentialList, error) {
	if provider.IsID(p, provider.WhatCredentialLists, ref) {
		l, err := p.GetCredentialList(ctx, ref)
		if isNotFound(err) {
			return l, notFound("credential list", ref, "", "list them with `sipctl credlists list`")
		}
		return l, err
	}
	var found []provider.CredentialList
	for l, err := range p.ListCredentialLists(ctx) {
		if err != nil {
			return provider.CredentialList{}, err
		}
		if l.FriendlyName == ref {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 0:
		return provider.CredentialList{}, notFound("credential list", ref, "", fmt.Sprintf("create it with `sipctl credlists create %s`", shellQuote(ref)))
	case 1:
		return found[0], nil
	}
	sids := make([]string, len(found))
	for i, l := range found {
		sids[i] = l.SID
	}
	return provider.CredentialList{}, ambiguous("credential list", ref, sids)
}

// IPACL finds an IP access control list by SID or friendly name.
func IPACL(ctx context.Context, p provider.IPACLs, ref string) (provider.IPACL, error) {
	if provider.IsID(p, provider.WhatIPACLs, ref) {
		a, err := p.GetIPACL(ctx, ref)
		if isNotFound(err) {
			return a, notFound("IP access control list", ref, "", "list them with `sipctl ipacls list`")
		}
		return a, err
	}
	var found []provider.IPACL
	for a, err := range p.ListIPACLs(ctx) {
		if err != nil {
			return provider.IPACL{}, err
		}
		if a.FriendlyName == ref {
			found = append(found, a)
		}
	}
	switch len(found) {
	case 0:
		return provider.IPACL{}, notFound("IP access control list", ref, "", fmt.Sprintf("create it with `sipctl ipacls create %s`", shellQuote(ref)))
	case 1:
		return found[0], nil
	}
	sids := make([]string, len(found))
	for i, a := range found {
		sids[i] = a.SID
	}
	return provider.IPACL{}, ambiguous("IP access control list", ref, sids)
}

// Credential finds a credential in a list by SID or username.
func Credential(ctx context.Context, p provider.CredentialLists, list provider.CredentialList, ref string) (provider.Credential, error) {
	bySID := provider.IsID(p, provider.WhatCredentials, ref)
	for c, err := range p.ListCredentials(ctx, list.SID) {
		if err != nil {
			return provider.Credential{}, err
		}
		if (bySID && c.SID == ref) || (!bySID && c.Username == ref) {
			return c, nil
		}
	}
	return provider.Credential{}, notFound("username", ref, fmt.Sprintf("credential list %q", list.FriendlyName),
		fmt.Sprintf("list them with `sipctl credlists credentials list %s`", shellQuote(list.FriendlyName)))
}

// IPAddress finds an address in an IP ACL by SID or by address (with its
// /prefix when it has one other than 32).
func IPAddress(ctx context.Context, p provider.IPACLs, acl provider.IPACL, ref string) (provider.IPAddress, error) {
	bySID := provider.IsID(p, provider.WhatIPAddresses, ref)
	var addr string
	prefix := 0
	if !bySID {
		var err error
		if addr, prefix, err = IPv4(ref); err != nil {
			return provider.IPAddress{}, cmdutil.FlagErrorf("%v", err)
		}
	}
	var matches []provider.IPAddress
	for a, err := range p.ListIPAddresses(ctx, acl.SID) {
		if err != nil {
			return provider.IPAddress{}, err
		}
		if bySID && a.SID == ref {
			return a, nil
		}
		if !bySID && SameIPv4Entry(a.IPAddress, a.CIDRPrefixLength, addr, prefix) {
			matches = append(matches, a)
		}
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
	default:
		// Never remove "the first of two" silently.
		sids := make([]string, len(matches))
		for i, m := range matches {
			sids[i] = m.SID
		}
		return provider.IPAddress{}, cmdutil.WithHint(fmt.Errorf("%d entries of IP access control list %q cover %s: %s", len(matches), acl.FriendlyName, ref, strings.Join(sids, ", ")),
			"give the SID instead of the address")
	}
	return provider.IPAddress{}, notFound("address", ref, fmt.Sprintf("IP access control list %q", acl.FriendlyName),
		fmt.Sprintf("list them with `sipctl ipacls show %s`", shellQuote(acl.FriendlyName)))
}

// samePrefix treats "no prefix" and /32 as the same single address.
func samePrefix(have, want int) bool { return normPrefix(have) == normPrefix(want) }

func isNotFound(err error) bool { return errors.Is(err, provider.ErrNotFound) }

// shellQuote quotes a name for a command line shown in a hint.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t'\"\\$`!*?&;|<>()[]{}#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// AuthKinds reads --for: calls, registrations, or both.
func AuthKinds(s string) ([]provider.AuthKind, error) {
	switch strings.ToLower(s) {
	case "calls", "call":
		return []provider.AuthKind{provider.ForCalls}, nil
	case "registrations", "registration", "register":
		return []provider.AuthKind{provider.ForRegistrations}, nil
	case "both", "":
		return []provider.AuthKind{provider.ForCalls, provider.ForRegistrations}, nil
	}
	return nil, fmt.Errorf("--for %q: expected calls, registrations or both", s)
}

// DomainRef is the domain a command acts on: the flag, else the profile's
// default domain.
func DomainRef(flag string, profile func() (*config.Profile, error)) (string, error) {
	if flag != "" {
		return flag, nil
	}
	if profile != nil {
		if p, err := profile(); err == nil && p != nil && p.DefaultDomain != "" {
			return p.DefaultDomain, nil
		}
	}
	return "", cmdutil.FlagErrorf("no domain given: pass --domain DOMAIN, or set a default with `sipctl profile set default_domain NAME`")
}
