// Package providertest is the conformance suite every SIP provider passes,
// as rclone's fstests and the Go CDK's drivertest are for their back-ends:
// the same tests of the provider-neutral interface (provider.SIPAccounts)
// run against each implementation, against that provider's real peer.
//
// A provider's test calls Run with a constructor and where its peer lives:
//
//	func TestConformance(t *testing.T) {
//		db := startKamailio(t) // the provider's own real peer
//		providertest.Run(t, func(t *testing.T) provider.SIPAccounts { return kamailio.New(…) },
//			providertest.Options{Domain: "pbx.test", OtherDomain: "lab.test", Registrar: db.SIPAddr})
//	}
//
// The suite creates accounts with unique usernames ("pt" + random hex) on
// the domains given, and deletes what it made when the test ends.
package providertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sip"
)

// Options say where the provider under test keeps accounts.
type Options struct {
	// Domain is an existing domain, as the provider names it
	// (CanonicalDomain(Domain) == Domain), that accounts are created on.
	// Required.
	Domain string
	// OtherDomain, when set, is a second existing domain: listing one
	// domain must not show the other's accounts.
	OtherDomain string
	// Accounts is how many accounts the paging test creates (default 5).
	// Give the provider a page size below it so the listing spans pages.
	Accounts int
	// Registrar, when set (host:port), serves Domain: the suite proves with
	// SIP REGISTERs (internal/sip's probe) that a created account's password
	// is accepted, a wrong one rejected, a new one taken after
	// SetSIPPassword, and nothing after DeleteSIPAccount. When the provider
	// has provider.Registrations, a REGISTER with a contact must show up as
	// registered.
	Registrar string
	// Transport is the registrar's transport: udp (default), tcp or tls.
	Transport string
	// Password makes passwords the provider accepts; default: 24 random
	// characters with upper and lower case letters and digits.
	Password func() string
	// ValidUsernames and InvalidUsernames add to the suite's own cases of
	// ValidateUsername (RFC 3261 user characters, nothing else allowed).
	ValidUsernames, InvalidUsernames []string
	// Refuses lists the suite's own valid usernames that the provider's
	// documented rule refuses (Telnyx: 4 to 32 letters and digits, so
	// "101" and "a.b-c_d"); they are checked to be refused instead.
	Refuses []string
	// MadeUsername, when set, says the provider makes an account's
	// username from the one asked for (Plivo appends 12 digits): it reports
	// whether made is what the provider makes of requested. The suite then
	// reads the account back by the username the provider made.
	MadeUsername func(requested, made string) bool

	// NewDomain, when set, makes a fresh domain name the Domains suite
	// creates (default: a random bare name through CanonicalDomain).
	NewDomain func() string
	// FixedDomains says the provider's domains cannot be created or
	// deleted (Telnyx's registrar): the Domains suite checks only reads.
	FixedDomains bool
	// IPACLName, when set, names the IP ACL the IP ACLs suite makes
	// (Kamailio: an address group number).
	IPACLName func() string
	// IPAddress is the address the IP ACLs suite adds (default 192.0.2.77).
	IPAddress string
	// IPACLsAreGroups says an IP ACL exists as long as its name is a valid
	// group (Kamailio), so a deleted one is still found, empty.
	IPACLsAreGroups bool
	// Skip names capability suites not to run ("Domains", "IPACLs",
	// "Registrations"), for a peer that cannot serve them.
	Skip []string
}

// Run runs the conformance suite against the provider newProvider returns
// (called once; the subtests share it).
func Run(t *testing.T, newProvider func(t *testing.T) provider.SIPAccounts, opts Options) {
	t.Helper()
	if opts.Domain == "" {
		t.Fatal("providertest: Options.Domain is required")
	}
	if opts.Accounts <= 0 {
		opts.Accounts = 5
	}
	if opts.Transport == "" {
		opts.Transport = "udp"
	}
	if opts.Password == nil {
		opts.Password = strongPassword
	}
	p := newProvider(t)
	s := &suite{p: p, o: opts}
	t.Run("Name", s.name)
	t.Run("CanonicalDomain", s.canonicalDomain)
	t.Run("ValidateUsername", s.validateUsername)
	t.Run("CreateGetDelete", s.createGetDelete)
	t.Run("Duplicate", s.duplicate)
	t.Run("NotFound", s.notFound)
	t.Run("ListPagingAndDomainFilter", s.listPaging)
	t.Run("SetPassword", s.setPassword)
	if opts.Registrar != "" {
		t.Run("Registration", s.registration)
	}
	// One suite per capability the provider has.
	if _, ok := provider.Lookup[provider.Domains](p); ok && !slices.Contains(opts.Skip, "Domains") {
		t.Run("Domains", s.domains)
	}
	if _, ok := provider.Lookup[provider.IPACLs](p); ok && !slices.Contains(opts.Skip, "IPACLs") {
		t.Run("IPACLs", s.ipACLs)
	}
	if _, ok := provider.Lookup[provider.Registrations](p); ok && !slices.Contains(opts.Skip, "Registrations") {
		t.Run("Registrations", s.registrations)
	}
	if _, ok := p.(provider.Expiry); ok {
		t.Run("Expiry", s.expiry)
	}
}

type suite struct {
	p provider.SIPAccounts
	o Options
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// username is unique per call: "pt" and 12 hex digits.
func username() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "pt" + hex.EncodeToString(b)
}

func strongPassword() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "Pt" + hex.EncodeToString(b) + "Zq9"
}

// create makes an account and deletes it when the test ends.
func (s *suite) create(t *testing.T, domain, user, pw string) provider.SIPAccount {
	t.Helper()
	a, err := s.p.CreateSIPAccount(ctx(t), provider.NewSIPAccount{Username: user, Domain: domain, Password: pw})
	if err != nil {
		t.Fatalf("CreateSIPAccount(%s@%s): %v", user, domain, err)
	}
	t.Cleanup(func() {
		if err := s.p.DeleteSIPAccount(context.Background(), a); err != nil && !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("cleanup: DeleteSIPAccount(%s): %v", a.Address(), err)
		}
	})
	return a
}

func (s *suite) name(t *testing.T) {
	n := s.p.Name()
	if n == "" || n != strings.ToLower(n) || strings.ContainsAny(n, " \t/") {
		t.Errorf("Name() = %q: want a profile's provider name, lower case, one word", n)
	}
}

func (s *suite) canonicalDomain(t *testing.T) {
	got, err := s.p.CanonicalDomain(s.o.Domain)
	if err != nil || got != s.o.Domain {
		t.Errorf("CanonicalDomain(%q) = %q, %v: a canonical name must complete to itself", s.o.Domain, got, err)
	}
	if _, err := s.p.CanonicalDomain(""); err == nil {
		t.Error(`CanonicalDomain("") accepted an empty domain`)
	}
}

// invalidUsernames break RFC 3261's user rule, or the narrower rule sipctl
// applies to every provider (no '/', '?', non-ASCII).
var invalidUsernames = []string{"", "a b", "a\tb", "a<b>", `a"b`, "a/b", "a#b", "a?b", "a@b", "a:b",
	"a\x00b", "a\x7fb", "j\u00fcrgen", "\U0001F600", "a%zz", "a%4"}

var validUsernames = []string{"alice", "101", "a.b-c_d", "x!y~z*'()"}

func (s *suite) validateUsername(t *testing.T) {
	for _, u := range append(append(append([]string{}, invalidUsernames...), s.o.InvalidUsernames...), s.o.Refuses...) {
		if err := s.p.ValidateUsername(u); err == nil {
			t.Errorf("ValidateUsername(%q) accepted it", u)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("ValidateUsername(%q) error is not one line: %q", u, err)
		}
	}
	for _, u := range append(append([]string{}, validUsernames...), s.o.ValidUsernames...) {
		if slices.Contains(s.o.Refuses, u) {
			continue
		}
		if err := s.p.ValidateUsername(u); err != nil {
			t.Errorf("ValidateUsername(%q): %v", u, err)
		}
	}
}

func (s *suite) createGetDelete(t *testing.T) {
	c := ctx(t)
	user := username()
	before := time.Now().Add(-24 * time.Hour)
	a := s.create(t, s.o.Domain, user, s.o.Password())
	if s.o.MadeUsername != nil && s.o.MadeUsername(user, a.Username) {
		user = a.Username
	}
	if a.Username != user || a.Domain != s.o.Domain || a.Ref == "" {
		t.Errorf("created %+v: want username %s, domain %s and a reference", a, user, s.o.Domain)
	}
	if a.Registrar.Host == "" {
		t.Errorf("created %s without a registrar host for phones", a.Address())
	}
	if !a.Created.IsZero() && a.Created.Before(before) {
		t.Errorf("created %s at %s, before the test began", a.Address(), a.Created)
	}
	got, err := s.p.GetSIPAccount(c, user, s.o.Domain)
	if err != nil {
		t.Fatalf("GetSIPAccount after create: %v", err)
	}
	if got.Ref != a.Ref || got.Username != user || got.Domain != s.o.Domain {
		t.Errorf("GetSIPAccount = %+v, want the account created (%+v)", got, a)
	}
	if err := s.p.DeleteSIPAccount(c, got); err != nil {
		t.Fatalf("DeleteSIPAccount: %v", err)
	}
	if _, err := s.p.GetSIPAccount(c, user, s.o.Domain); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("GetSIPAccount after delete: %v, want ErrNotFound", err)
	}
	if err := s.p.DeleteSIPAccount(c, got); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("DeleteSIPAccount of a deleted account: %v, want ErrNotFound", err)
	}
}

func (s *suite) duplicate(t *testing.T) {
	user := username()
	s.create(t, s.o.Domain, user, s.o.Password())
	_, err := s.p.CreateSIPAccount(ctx(t), provider.NewSIPAccount{Username: user, Domain: s.o.Domain, Password: s.o.Password()})
	if !errors.Is(err, provider.ErrExists) {
		t.Errorf("second CreateSIPAccount(%s): %v, want ErrExists", user, err)
	}
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
}

func (s *suite) notFound(t *testing.T) {
	c := ctx(t)
	if _, err := s.p.GetSIPAccount(c, username(), s.o.Domain); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("GetSIPAccount of an unknown user: %v, want ErrNotFound", err)
	}
	missing := "pt" + strings.TrimPrefix(username(), "pt") + "-missing"
	if d, err := s.p.CanonicalDomain(missing); err == nil {
		if _, err := s.p.GetSIPAccount(c, "alice", d); !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("GetSIPAccount on an unknown domain %s: %v, want ErrNotFound", d, err)
		}
	}
}

func (s *suite) listPaging(t *testing.T) {
	c := ctx(t)
	want := map[string]bool{}
	for range s.o.Accounts {
		want[s.create(t, s.o.Domain, username(), s.o.Password()).Username] = true
	}
	var other string
	if s.o.OtherDomain != "" {
		other = s.create(t, s.o.OtherDomain, username(), s.o.Password()).Username
	}
	seen := map[string]int{}
	for a, err := range s.p.ListSIPAccounts(c, provider.AccountQuery{Domain: s.o.Domain}) {
		if err != nil {
			t.Fatalf("ListSIPAccounts(%s): %v", s.o.Domain, err)
		}
		if a.Domain != s.o.Domain {
			t.Errorf("listing %s yielded %s", s.o.Domain, a.Address())
		}
		if a.Ref == "" {
			t.Errorf("listed %s without a reference", a.Address())
		}
		seen[a.Username]++
	}
	for u := range want {
		if seen[u] != 1 {
			t.Errorf("%s@%s listed %d times, want once", u, s.o.Domain, seen[u])
		}
	}
	if other != "" && seen[other] != 0 {
		t.Errorf("listing %s showed %s@%s", s.o.Domain, other, s.o.OtherDomain)
	}
	if other != "" {
		found := false
		for a, err := range s.p.ListSIPAccounts(c, provider.AccountQuery{}) {
			if err != nil {
				t.Fatalf("ListSIPAccounts(all domains): %v", err)
			}
			found = found || (a.Username == other && a.Domain == s.o.OtherDomain)
		}
		if !found {
			t.Errorf("listing every domain did not show %s@%s", other, s.o.OtherDomain)
		}
	}
	// Stopping early is allowed and must not fail or leak.
	n := 0
	for _, err := range s.p.ListSIPAccounts(c, provider.AccountQuery{Domain: s.o.Domain}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 1 {
			break
		}
	}
}

func (s *suite) setPassword(t *testing.T) {
	c := ctx(t)
	a := s.create(t, s.o.Domain, username(), s.o.Password())
	pw := s.o.Password()
	for i := range 2 { // twice: journals replay a set
		if err := s.p.SetSIPPassword(c, a, pw); err != nil {
			t.Fatalf("SetSIPPassword (#%d): %v", i+1, err)
		}
	}
	got, err := s.p.GetSIPAccount(c, a.Username, a.Domain)
	if err != nil || got.Ref != a.Ref {
		t.Errorf("after SetSIPPassword: %+v, %v; want the same account", got, err)
	}
}

// check sends a query REGISTER and returns the outcome.
func (s *suite) check(t *testing.T, user, pw string, register bool) sip.CheckResult {
	t.Helper()
	res, err := sip.Check(ctx(t), sip.CheckOptions{Username: user, Password: pw, Domain: s.o.Domain,
		Registrar: s.o.Registrar, Transport: s.o.Transport, Timeout: 10 * time.Second, Register: register})
	if err != nil {
		t.Fatalf("sip.Check: %v", err)
	}
	return res
}

func (s *suite) registration(t *testing.T) {
	c := ctx(t)
	pw := s.o.Password()
	a := s.create(t, s.o.Domain, username(), pw)
	if res := s.check(t, a.Username, pw, false); res.Outcome != sip.Accepted {
		t.Fatalf("REGISTER with the password given at create: %s %d %s, want accepted", res.Outcome, res.StatusCode, res.Reason)
	}
	if res := s.check(t, a.Username, pw+"x", false); res.Outcome != sip.Rejected {
		t.Errorf("REGISTER with a wrong password: %s %d %s, want rejected", res.Outcome, res.StatusCode, res.Reason)
	}
	newPW := s.o.Password()
	if err := s.p.SetSIPPassword(c, a, newPW); err != nil {
		t.Fatal(err)
	}
	if res := s.check(t, a.Username, pw, false); res.Outcome != sip.Rejected {
		t.Errorf("REGISTER with the old password after SetSIPPassword: %s %d %s, want rejected", res.Outcome, res.StatusCode, res.Reason)
	}
	if res := s.check(t, a.Username, newPW, false); res.Outcome != sip.Accepted {
		t.Errorf("REGISTER with the new password: %s %d %s, want accepted", res.Outcome, res.StatusCode, res.Reason)
	}
	// Registration status is the Registrations suite's.
	if err := s.p.DeleteSIPAccount(c, a); err != nil {
		t.Fatal(err)
	}
	if res := s.check(t, a.Username, newPW, false); res.Outcome != sip.Rejected {
		t.Errorf("REGISTER after DeleteSIPAccount: %s %d %s, want rejected", res.Outcome, res.StatusCode, res.Reason)
	}
}

// Describe is a one-line summary of an account for test logs.
func Describe(a provider.SIPAccount) string {
	return fmt.Sprintf("%s (ref %s, registrar %s)", a.Address(), a.Ref, a.Registrar.Host)
}
