package rotate

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
)

// Source is what finding rotation targets needs from a provider.
type Source interface {
	provider.Domains
	provider.CredentialLists
	provider.Mappings
}

// Target is one credential whose password is to change.
type Target struct {
	AccountSID    string `json:"account_sid"`
	ListSID       string `json:"credential_list_sid"`
	ListName      string `json:"credential_list"`
	CredentialSID string `json:"sid"`
	Username      string `json:"username"`
	Domain        string `json:"domain"`
}

// FindDomain finds a domain by SID or name; "acme" matches
// acme.sip.twilio.com.
func FindDomain(ctx context.Context, p provider.Domains, name string) (provider.Domain, error) {
	if strings.HasPrefix(name, "SD") && len(name) == 34 {
		return p.GetDomain(ctx, name)
	}
	for d, err := range p.ListDomains(ctx) {
		if err != nil {
			return provider.Domain{}, err
		}
		if strings.EqualFold(d.DomainName, name) || strings.EqualFold(d.DomainName, name+".sip.twilio.com") {
			return d, nil
		}
	}
	return provider.Domain{}, fmt.Errorf("no SIP domain %q in this account (list them with `sipctl domains list`)", name)
}

// FindList finds a credential list by SID or friendly name.
func FindList(ctx context.Context, p provider.CredentialLists, name string) (provider.CredentialList, error) {
	if strings.HasPrefix(name, "CL") && len(name) == 34 {
		return p.GetCredentialList(ctx, name)
	}
	var found []provider.CredentialList
	for l, err := range p.ListCredentialLists(ctx) {
		if err != nil {
			return provider.CredentialList{}, err
		}
		if l.FriendlyName == name {
			found = append(found, l)
		}
	}
	switch len(found) {
	case 0:
		return provider.CredentialList{}, fmt.Errorf("no credential list named %q (list them with `sipctl credential-lists list`)", name)
	case 1:
		return found[0], nil
	}
	return provider.CredentialList{}, fmt.Errorf("%d credential lists are named %q: give the SID instead", len(found), name)
}

// domainLists returns the credential lists attached to a domain for
// registrations or calls, each once.
func domainLists(ctx context.Context, p Source, d provider.Domain) ([]provider.Mapping, error) {
	var out []provider.Mapping
	for _, kind := range []provider.AuthKind{provider.ForRegistrations, provider.ForCalls} {
		for m, err := range p.ListCredentialListMappings(ctx, d.SID, kind) {
			if err != nil {
				return nil, fmt.Errorf("listing credential lists on %s: %w", d.DomainName, err)
			}
			if !slices.ContainsFunc(out, func(x provider.Mapping) bool { return x.SID == m.SID }) {
				out = append(out, m)
			}
		}
	}
	return out, nil
}

func listTargets(ctx context.Context, p provider.CredentialLists, acct, listSID, listName, domain string) ([]Target, error) {
	var out []Target
	for c, err := range p.ListCredentials(ctx, listSID) {
		if err != nil {
			return nil, fmt.Errorf("listing credentials in %s: %w", listName, err)
		}
		out = append(out, Target{AccountSID: acct, ListSID: listSID, ListName: listName, CredentialSID: c.SID, Username: c.Username, Domain: domain})
	}
	return out, nil
}

// ForList is every credential in one list.
func ForList(ctx context.Context, p Source, acct, nameOrSID string) ([]Target, error) {
	l, err := FindList(ctx, p, nameOrSID)
	if err != nil {
		return nil, err
	}
	return listTargets(ctx, p, acct, l.SID, l.FriendlyName, "")
}

// ForDomain is every credential on lists attached to a domain.
func ForDomain(ctx context.Context, p Source, acct, name string) ([]Target, error) {
	d, err := FindDomain(ctx, p, name)
	if err != nil {
		return nil, err
	}
	ms, err := domainLists(ctx, p, d)
	if err != nil {
		return nil, err
	}
	var out []Target
	for _, m := range ms {
		ts, err := listTargets(ctx, p, acct, m.SID, m.FriendlyName, d.DomainName)
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return dedupe(out), nil
}

// ForUsers resolves USER@DOMAIN arguments (USER alone uses defaultDomain).
// A username on several lists of the domain is rotated on each of them.
func ForUsers(ctx context.Context, p Source, acct string, users []string, defaultDomain string) ([]Target, error) {
	byDomain := map[string][]string{}
	var order []string
	for _, u := range users {
		user, dom, ok := strings.Cut(strings.TrimPrefix(u, "sip:"), "@")
		if !ok {
			if defaultDomain == "" {
				return nil, fmt.Errorf("%q has no domain: write USER@DOMAIN, or set a default with `sipctl profile set default_domain NAME`", u)
			}
			dom = defaultDomain
		}
		if user == "" || dom == "" {
			return nil, fmt.Errorf("%q is not USER@DOMAIN", u)
		}
		if _, seen := byDomain[dom]; !seen {
			order = append(order, dom)
		}
		byDomain[dom] = append(byDomain[dom], user)
	}
	var out []Target
	for _, dom := range order {
		all, err := ForDomain(ctx, p, acct, dom)
		if err != nil {
			return nil, err
		}
		for _, user := range byDomain[dom] {
			n := 0
			for _, t := range all {
				if t.Username == user {
					out = append(out, t)
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("no credential %q on the lists attached to %s (see `sipctl accounts list --domain %s`)", user, dom, dom)
			}
		}
	}
	return dedupe(out), nil
}

// ForAll is every credential in the account. Each is labelled with the
// first domain its list is attached to, so the handover says where to
// register.
func ForAll(ctx context.Context, p Source, acct string) ([]Target, error) {
	domainOf := map[string]string{}
	for d, err := range p.ListDomains(ctx) {
		if err != nil {
			return nil, err
		}
		ms, err := domainLists(ctx, p, d)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if _, ok := domainOf[m.SID]; !ok {
				domainOf[m.SID] = d.DomainName
			}
		}
	}
	var out []Target
	for l, err := range p.ListCredentialLists(ctx) {
		if err != nil {
			return nil, err
		}
		ts, err := listTargets(ctx, p, acct, l.SID, l.FriendlyName, domainOf[l.SID])
		if err != nil {
			return nil, err
		}
		out = append(out, ts...)
	}
	return out, nil
}

func dedupe(ts []Target) []Target {
	seen := map[string]bool{}
	out := ts[:0]
	for _, t := range ts {
		k := t.ListSID + "/" + t.CredentialSID
		if !seen[k] {
			seen[k] = true
			out = append(out, t)
		}
	}
	return out
}
