// Package attachment is what `attach` and `detach` share: finding the domain
// and the list (saying which is missing and how to create it), what is
// attached now, and how a change is reported.
package attachment

import (
	"context"
	"fmt"
	"slices"

	"github.com/sipctl/sipctl/internal/cmd/resolve"
	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
)

// Result is one (domain, list, kind) attachment, as --json prints it.
type Result struct {
	DomainSID    string            `json:"domain_sid"`
	DomainName   string            `json:"domain_name"`
	SID          string            `json:"sid"`
	FriendlyName string            `json:"friendly_name"`
	Type         string            `json:"type"` // credential_list or ip_acl
	Kind         provider.AuthKind `json:"kind"`
	// Changed is false when the state was already as asked: a no-op.
	Changed bool `json:"changed"`
}

// CredentialListProvider is what attaching credential lists needs.
type CredentialListProvider interface {
	provider.Domains
	provider.CredentialLists
	provider.Mappings
}

// IPACLProvider is what attaching IP access control lists needs.
type IPACLProvider interface {
	provider.Domains
	provider.IPACLs
	provider.Mappings
}

// CredentialListTargets resolves the domain and the list, both before any change.
func CredentialListTargets(ctx context.Context, p CredentialListProvider, domainRef, listRef string) (provider.Domain, provider.CredentialList, error) {
	d, err := resolve.Domain(ctx, p, domainRef)
	if err != nil {
		return d, provider.CredentialList{}, err
	}
	l, err := resolve.CredentialList(ctx, p, listRef)
	return d, l, err
}

// IPACLTargets resolves the domain and the IP ACL, both before any change.
func IPACLTargets(ctx context.Context, p IPACLProvider, domainRef, aclRef string) (provider.Domain, provider.IPACL, error) {
	d, err := resolve.Domain(ctx, p, domainRef)
	if err != nil {
		return d, provider.IPACL{}, err
	}
	a, err := resolve.IPACL(ctx, p, aclRef)
	return d, a, err
}

// Attached reports whether sid is among the mappings.
func Attached(seq func(func(provider.Mapping, error) bool), sid string) (bool, error) {
	var sids []string
	for m, err := range seq {
		if err != nil {
			return false, err
		}
		sids = append(sids, m.SID)
	}
	return slices.Contains(sids, sid), nil
}

// Report prints the results: JSON on stdout with --json, else one line each
// on stderr (they are messages about a change, not data).
func Report(ios *iostreams.IOStreams, exp *cmdutil.Exporter, verb string, results []Result) error {
	if exp.Enabled() {
		return exp.Write(ios.Out, results)
	}
	for _, r := range results {
		what := "credential list"
		if r.Type == "ip_acl" {
			what = "IP ACL"
		}
		prep := map[string]string{"Attached": "to", "Detached": "from"}[verb]
		if r.Changed {
			fmt.Fprintf(ios.ErrOut, "%s %s %q %s %s for %s\n", verb, what, r.FriendlyName, prep, r.DomainName, r.Kind)
			continue
		}
		state := map[string]string{"Attached": "already attached to", "Detached": "not attached to"}[verb]
		fmt.Fprintf(ios.ErrOut, "%s %q is %s %s for %s; nothing to do\n", what, r.FriendlyName, state, r.DomainName, r.Kind)
	}
	return nil
}
