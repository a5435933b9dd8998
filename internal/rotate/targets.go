package rotate

import (
	"context"
	"fmt"
	"strings"

	"github.com/sipctl/sipctl/internal/provider"
)

// Target is one account whose password is to change.
type Target struct {
	AccountSID string `json:"account_sid,omitempty"`
	// Ref is the provider's reference of the account.
	Ref      string `json:"ref"`
	Username string `json:"username"`
	Domain   string `json:"domain"`
	// SID and ListName are Twilio's credential SID and credential list name
	// (empty for other providers).
	SID      string `json:"sid,omitempty"`
	ListName string `json:"credential_list,omitempty"`
}

func target(acct string, a provider.SIPAccount) Target {
	return Target{AccountSID: acct, Ref: a.Ref, Username: a.Username, Domain: a.Domain,
		SID: a.Attributes["sid"], ListName: a.Attributes["credential_list"]}
}

func collect(ctx context.Context, p provider.SIPAccounts, acct string, q provider.AccountQuery, keep func(provider.SIPAccount) bool) ([]Target, error) {
	var out []Target
	seen := map[string]bool{}
	for a, err := range p.ListSIPAccounts(ctx, q) {
		if err != nil {
			return nil, err
		}
		if (keep == nil || keep(a)) && !seen[a.Ref] {
			seen[a.Ref] = true
			out = append(out, target(acct, a))
		}
	}
	return out, nil
}

// ForDomain is every account on a domain.
func ForDomain(ctx context.Context, p provider.SIPAccounts, acct, name string) ([]Target, error) {
	d, err := p.CanonicalDomain(name)
	if err != nil {
		return nil, err
	}
	return collect(ctx, p, acct, provider.AccountQuery{Domain: d}, nil)
}

// ForAll is every account of the provider account (or subaccount).
func ForAll(ctx context.Context, p provider.SIPAccounts, acct string) ([]Target, error) {
	return collect(ctx, p, acct, provider.AccountQuery{}, nil)
}

// ForUsers resolves USER@DOMAIN arguments (USER alone uses defaultDomain).
// A username a provider keeps more than once on a domain (Twilio: on
// several of its credential lists) is rotated on each, with one password.
func ForUsers(ctx context.Context, p provider.SIPAccounts, acct string, users []string, defaultDomain string) ([]Target, error) {
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
		d, err := p.CanonicalDomain(dom)
		if err != nil {
			return nil, err
		}
		if _, seen := byDomain[d]; !seen {
			order = append(order, d)
		}
		byDomain[d] = append(byDomain[d], user)
	}
	var out []Target
	for _, dom := range order {
		all, err := collect(ctx, p, acct, provider.AccountQuery{Domain: dom}, nil)
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
				return nil, fmt.Errorf("no SIP account %q on %s (see `sipctl accounts list --domain %s`)", user, dom, dom)
			}
		}
	}
	return dedupe(out), nil
}

// ForList is every credential in one Twilio credential list. Each is
// labelled with the first domain the list is attached to, if any.
func ForList(ctx context.Context, p provider.SIPAccounts, acct, nameOrSID string) ([]Target, error) {
	cl, err := provider.Require[provider.CredentialLists](p, "credential lists")
	if err != nil {
		return nil, err
	}
	l, err := FindList(ctx, cl, nameOrSID)
	if err != nil {
		return nil, err
	}
	// Accounts of the list that are on a domain, by credential SID.
	onDomain := map[string]Target{}
	for a, err := range p.ListSIPAccounts(ctx, provider.AccountQuery{}) {
		if err != nil {
			return nil, err
		}
		if a.Attributes["credential_list_sid"] == l.SID {
			if _, ok := onDomain[a.Attributes["sid"]]; !ok {
				onDomain[a.Attributes["sid"]] = target(acct, a)
			}
		}
	}
	var out []Target
	for c, err := range cl.ListCredentials(ctx, l.SID) {
		if err != nil {
			return nil, fmt.Errorf("listing credentials in %s: %w", l.FriendlyName, err)
		}
		if t, ok := onDomain[c.SID]; ok {
			out = append(out, t)
			continue
		}
		out = append(out, Target{AccountSID: acct, Ref: l.SID + "/" + c.SID, Username: c.Username, SID: c.SID, ListName: l.FriendlyName})
	}
	return out, nil
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

func dedupe(ts []Target) []Target {
	seen := map[string]bool{}
	out := ts[:0]
	for _, t := range ts {
		if !seen[t.Ref] {
			seen[t.Ref] = true
			out = append(out, t)
		}
	}
	return out
}
