package providertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sip"
)

// expiry: a provider with provider.Expiry records a create's
// OptionExpires where a later GetSIPAccount and ListSIPAccounts read it
// back; an account without one has none, even when it reuses the name of
// a deleted account that had one; and an expiring account registers like
// any other.
func (s *suite) expiry(t *testing.T) {
	c := ctx(t)
	want := provider.ExpiryAt(time.Now(), 2*time.Hour)
	user, pw := username(), s.o.Password()
	a, err := s.p.CreateSIPAccount(c, provider.NewSIPAccount{Username: user, Domain: s.o.Domain, Password: pw,
		Options: provider.WithExpiry(nil, want)})
	if err != nil {
		t.Fatalf("CreateSIPAccount with an expiry: %v", err)
	}
	t.Cleanup(func() {
		if err := s.p.DeleteSIPAccount(context.Background(), a); err != nil && !errors.Is(err, provider.ErrNotFound) {
			t.Errorf("cleanup: DeleteSIPAccount(%s): %v", a.Address(), err)
		}
	})
	if !a.ExpiresAt.Equal(want) {
		t.Errorf("created with expiry %v, returned %v", want, a.ExpiresAt)
	}
	plain := s.create(t, s.o.Domain, username(), s.o.Password())
	if !plain.ExpiresAt.IsZero() {
		t.Errorf("an account created without an expiry has %v", plain.ExpiresAt)
	}
	if got, err := s.p.GetSIPAccount(c, user, s.o.Domain); err != nil || !got.ExpiresAt.Equal(want) {
		t.Errorf("GetSIPAccount: expiry %v, %v; want %v", got.ExpiresAt, err, want)
	}
	seen := map[string]time.Time{}
	for l, err := range s.p.ListSIPAccounts(c, provider.AccountQuery{Domain: s.o.Domain}) {
		if err != nil {
			t.Fatal(err)
		}
		seen[l.Username] = l.ExpiresAt
	}
	if !seen[user].Equal(want) || !seen[plain.Username].IsZero() {
		t.Errorf("listed expiries %v (expiring) and %v (plain), want %v and none", seen[user], seen[plain.Username], want)
	}
	if s.o.Registrar != "" {
		if res := s.check(t, user, pw, false); res.Outcome != sip.Accepted {
			t.Errorf("REGISTER of an expiring account: %s %d %s, want accepted", res.Outcome, res.StatusCode, res.Reason)
		}
	}
	// Deleted, then made again without an expiry: none is left over.
	if err := s.p.DeleteSIPAccount(c, a); err != nil {
		t.Fatal(err)
	}
	again := s.create(t, s.o.Domain, user, s.o.Password())
	if got, err := s.p.GetSIPAccount(c, user, s.o.Domain); err != nil || !got.ExpiresAt.IsZero() || !again.ExpiresAt.IsZero() {
		t.Errorf("made again without an expiry: %v (%v), %v", got.ExpiresAt, err, again.ExpiresAt)
	}
}
