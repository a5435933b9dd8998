package providertest

import (
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sip"
)

// The capability suites, one per optional capability as the Go CDK's
// drivertest has one per feature: Run runs each for a provider that has
// the capability, so every provider with domains, IP ACLs or registration
// status passes the same tests of it.

// newDomainName is a fresh domain name the provider accepts: a bare name
// completed by CanonicalDomain (Twilio: ….sip.twilio.com), else a host
// name under .test.
func (s *suite) newDomainName(t *testing.T) string {
	if s.o.NewDomain != nil {
		return s.o.NewDomain()
	}
	bare := username()
	if d, err := s.p.CanonicalDomain(bare); err == nil {
		return d
	}
	d, err := s.p.CanonicalDomain(bare + ".test")
	if err != nil {
		t.Skipf("no domain name to create: %v", err)
	}
	return d
}

// domains: the existing domain is listed and found by its reference, and
// (unless the provider's domains are fixed) a new one is created, listed,
// found, deleted, and then not found.
func (s *suite) domains(t *testing.T) {
	c := ctx(t)
	ds, _ := provider.Lookup[provider.Domains](s.p)
	byName := func(name string) (provider.Domain, bool) {
		for d, err := range ds.ListDomains(c) {
			if err != nil {
				t.Fatalf("ListDomains: %v", err)
			}
			if strings.EqualFold(d.DomainName, name) {
				return d, true
			}
		}
		return provider.Domain{}, false
	}
	d, ok := byName(s.o.Domain)
	if !ok {
		t.Fatalf("ListDomains does not list %s", s.o.Domain)
	}
	ref := d.SID
	if ref == "" {
		ref = d.DomainName
	}
	if got, err := ds.GetDomain(c, ref); err != nil || !strings.EqualFold(got.DomainName, s.o.Domain) {
		t.Errorf("GetDomain(%q) = %+v, %v; want %s", ref, got, err, s.o.Domain)
	}
	if s.o.FixedDomains {
		name := "ptfixed.example"
		if _, err := ds.CreateDomain(c, provider.DomainParams{DomainName: &name}); err == nil {
			t.Errorf("CreateDomain on a provider with fixed domains succeeded")
		}
		return
	}
	name := s.newDomainName(t)
	on := true
	made, err := ds.CreateDomain(c, provider.DomainParams{DomainName: &name, SIPRegistration: &on})
	if err != nil {
		t.Fatalf("CreateDomain(%s): %v", name, err)
	}
	gone := false
	t.Cleanup(func() {
		if !gone {
			ds.DeleteDomain(ctx(t), refOf(made))
		}
	})
	if !strings.EqualFold(made.DomainName, name) {
		t.Errorf("CreateDomain(%s) made %q", name, made.DomainName)
	}
	if _, ok := byName(name); !ok {
		t.Errorf("ListDomains does not list the domain just made")
	}
	if _, err := ds.CreateDomain(c, provider.DomainParams{DomainName: &name}); err == nil {
		t.Errorf("CreateDomain of a name that exists succeeded")
	}
	// The new domain takes accounts like any other.
	a := s.create(t, name, username(), s.o.Password())
	if got, err := s.p.GetSIPAccount(c, a.Username, name); err != nil || got.Ref != a.Ref {
		t.Errorf("an account on the new domain: %+v, %v", got, err)
	}
	if err := s.p.DeleteSIPAccount(c, a); err != nil {
		t.Fatalf("DeleteSIPAccount: %v", err)
	}
	if err := ds.DeleteDomain(c, refOf(made)); err != nil {
		t.Fatalf("DeleteDomain: %v", err)
	}
	gone = true
	if _, err := ds.GetDomain(c, refOf(made)); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("GetDomain after DeleteDomain: %v, want ErrNotFound", err)
	}
	if _, ok := byName(name); ok {
		t.Errorf("ListDomains still lists the deleted domain")
	}
	if err := ds.DeleteDomain(c, refOf(made)); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("DeleteDomain of a deleted domain: %v, want ErrNotFound", err)
	}
}

func refOf(d provider.Domain) string {
	if d.SID != "" {
		return d.SID
	}
	return d.DomainName
}

// ipACLs: a list is made, listed and found; an address is added, listed
// and removed; the list is deleted and then not found.
func (s *suite) ipACLs(t *testing.T) {
	c := ctx(t)
	acls, _ := provider.Lookup[provider.IPACLs](s.p)
	name := username()
	if s.o.IPACLName != nil {
		name = s.o.IPACLName()
	}
	acl, err := acls.CreateIPACL(c, name)
	if err != nil {
		t.Fatalf("CreateIPACL(%s): %v", name, err)
	}
	deleted := false
	t.Cleanup(func() {
		if !deleted {
			acls.DeleteIPACL(ctx(t), acl.SID)
		}
	})
	ip := s.o.IPAddress
	if ip == "" {
		ip = "192.0.2.77"
	}
	addr, err := acls.AddIPAddress(c, acl.SID, "pt-office", ip, 32)
	if err != nil {
		t.Fatalf("AddIPAddress(%s): %v", ip, err)
	}
	// Listed once it holds an address (a Kamailio group exists by its
	// addresses).
	listed := false
	for a, err := range acls.ListIPACLs(c) {
		if err != nil {
			t.Fatalf("ListIPACLs: %v", err)
		}
		listed = listed || a.SID == acl.SID
	}
	if !listed {
		t.Errorf("ListIPACLs does not list %s (%s)", name, acl.SID)
	}
	if got, err := acls.GetIPACL(c, acl.SID); err != nil || got.SID != acl.SID {
		t.Errorf("GetIPACL(%s) = %+v, %v", acl.SID, got, err)
	}
	addresses := func() []provider.IPAddress {
		var out []provider.IPAddress
		for a, err := range acls.ListIPAddresses(c, acl.SID) {
			if err != nil {
				t.Fatalf("ListIPAddresses: %v", err)
			}
			out = append(out, a)
		}
		return out
	}
	if got := addresses(); len(got) != 1 || got[0].IPAddress != ip || got[0].SID != addr.SID {
		t.Errorf("ListIPAddresses after adding %s = %+v", ip, got)
	}
	if _, err := acls.AddIPAddress(c, acl.SID, "pt-bad", "not-an-ip", 32); err == nil {
		t.Errorf("AddIPAddress of %q succeeded", "not-an-ip")
	}
	if err := acls.RemoveIPAddress(c, acl.SID, addr.SID); err != nil {
		t.Fatalf("RemoveIPAddress: %v", err)
	}
	if got := addresses(); len(got) != 0 {
		t.Errorf("ListIPAddresses after removing the address = %+v", got)
	}
	if err := acls.DeleteIPACL(c, acl.SID); err != nil {
		t.Fatalf("DeleteIPACL: %v", err)
	}
	deleted = true
	if !s.o.IPACLsAreGroups {
		if _, err := acls.GetIPACL(c, acl.SID); !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("GetIPACL after DeleteIPACL: %v, want ErrNotFound", err)
		}
	}
}

// registrations: status is asked for a batch of accounts at once and
// answered by Ref; an account nobody registered is not registered, and one
// a REGISTER with a contact bound is registered with that contact. Proven
// against the registrar when one is given; without one only the first half.
func (s *suite) registrations(t *testing.T) {
	c := ctx(t)
	reg, _ := provider.Lookup[provider.Registrations](s.p)
	pw := s.o.Password()
	idle := s.create(t, s.o.Domain, username(), s.o.Password())
	active := s.create(t, s.o.Domain, username(), pw)
	st, err := reg.RegistrationStatus(c, []provider.SIPAccount{idle, active})
	if err != nil {
		t.Fatalf("RegistrationStatus: %v", err)
	}
	for _, a := range []provider.SIPAccount{idle, active} {
		if r, ok := st[a.Ref]; ok && r.State == provider.Registered {
			t.Errorf("%s is registered before any REGISTER: %+v", a.Username, r)
		}
	}
	if len(st) > 2 {
		t.Errorf("RegistrationStatus of 2 accounts answered %d", len(st))
	}
	if s.o.Registrar == "" {
		return
	}
	if res := s.check(t, active.Username, pw, true); res.Outcome != sip.Accepted {
		t.Fatalf("REGISTER with a contact: %s %d %s", res.Outcome, res.StatusCode, res.Reason)
	}
	st, err = reg.RegistrationStatus(c, []provider.SIPAccount{idle, active})
	if err != nil {
		t.Fatalf("RegistrationStatus: %v", err)
	}
	if r := st[active.Ref]; r.State != provider.Registered || r.Contact == "" {
		t.Errorf("RegistrationStatus after a REGISTER with a contact = %+v, want registered with the contact", r)
	}
	if r := st[idle.Ref]; r.State == provider.Registered {
		t.Errorf("the account nobody registered is registered: %+v", r)
	}
	if st, err := reg.RegistrationStatus(c, nil); err != nil || len(st) != 0 {
		t.Errorf("RegistrationStatus of no accounts = %v, %v", st, err)
	}
}
