package reconcile

import (
	"context"
	"iter"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
)

// wrapped has the core (left nil: never called here), batch creates,
// domains and registration status.
type wrapped struct{ provider.SIPAccounts }

func (wrapped) Name() string { return "wrapped" }
func (wrapped) PrepareCreate(context.Context, string, map[string]string) (provider.CreateFunc, error) {
	return nil, nil
}
func (wrapped) ListDomains(context.Context) iter.Seq2[provider.Domain, error] { return nil }
func (wrapped) GetDomain(context.Context, string) (provider.Domain, error) {
	return provider.Domain{SID: "from the wrapped one"}, nil
}
func (wrapped) CreateDomain(context.Context, provider.DomainParams) (provider.Domain, error) {
	return provider.Domain{}, nil
}
func (wrapped) DeleteDomain(context.Context, string) error { return nil }
func (wrapped) RegistrationStatus(context.Context, []provider.SIPAccount) (map[string]provider.Registration, error) {
	return nil, nil
}

// TestBatchedAnswersCapabilityChecksAsWhatItWraps: wrapping for batch
// creates hides no capability (rclone's UnWrap).
func TestBatchedAnswersCapabilityChecksAsWhatItWraps(t *testing.T) {
	inner := wrapped{}
	b := Batched(inner)
	if _, isInner := b.(wrapped); isInner {
		t.Fatal("Batched did not wrap a provider with batch creates")
	}
	d, ok := provider.Lookup[provider.Domains](b)
	if !ok {
		t.Fatal("Lookup[Domains] on the wrapper says no; the wrapped provider has it")
	}
	if got, _ := d.GetDomain(context.Background(), "x"); got.SID != "from the wrapped one" {
		t.Errorf("the capability found is not the wrapped provider's: %+v", got)
	}
	if _, err := provider.Require[provider.Registrations](b, provider.WhatRegistrations); err != nil {
		t.Errorf("Require[Registrations] on the wrapper: %v", err)
	}
	if _, ok := provider.Lookup[provider.IPACLs](b); ok {
		t.Error("Lookup[IPACLs] says yes; neither has it")
	}
	if _, err := provider.Require[provider.IPACLs](b, provider.WhatIPACLs); err == nil {
		t.Error("Require[IPACLs] on the wrapper did not refuse")
	}
	if provider.Unwrap(b) != provider.SIPAccounts(inner) {
		t.Error("Unwrap does not reach the wrapped provider")
	}
	// Capabilities each in the same way as on the wrapped provider.
	for name, check := range map[string]func(provider.SIPAccounts) bool{
		"domains":       func(p provider.SIPAccounts) bool { _, ok := provider.Lookup[provider.Domains](p); return ok },
		"registrations": func(p provider.SIPAccounts) bool { _, ok := provider.Lookup[provider.Registrations](p); return ok },
		"ip acls":       func(p provider.SIPAccounts) bool { _, ok := provider.Lookup[provider.IPACLs](p); return ok },
		"mappings":      func(p provider.SIPAccounts) bool { _, ok := provider.Lookup[provider.Mappings](p); return ok },
		"scope":         func(p provider.SIPAccounts) bool { _, ok := provider.Lookup[provider.Scope](p); return ok },
	} {
		if check(b) != check(inner) {
			t.Errorf("%s: the wrapper answers %v, the wrapped %v", name, check(b), check(inner))
		}
	}
}
