package custody_test

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/provider"
)

// stub is a provider that is never called: these tests stop before any
// request.
type stub struct{ name, realm, acct string }

func (s stub) Name() string                             { return s.name }
func (s stub) CustodyRealm() string                     { return s.realm }
func (s stub) AccountSID() string                       { return s.acct }
func (s stub) CanonicalDomain(n string) (string, error) { return n, nil }
func (s stub) ValidateUsername(string) error            { return nil }
func (s stub) WithAccount(string) provider.SIPAccounts  { return s }
func (s stub) SetSIPPassword(context.Context, provider.SIPAccount, string) error {
	return errors.New("not called")
}
func (s stub) DeleteSIPAccount(context.Context, provider.SIPAccount) error {
	return errors.New("not called")
}
func (s stub) GetSIPAccount(context.Context, string, string) (provider.SIPAccount, error) {
	return provider.SIPAccount{}, errors.New("not called")
}
func (s stub) CreateSIPAccount(context.Context, provider.NewSIPAccount) (provider.SIPAccount, error) {
	return provider.SIPAccount{}, errors.New("not called")
}
func (s stub) ListSIPAccounts(context.Context, provider.AccountQuery) iter.Seq2[provider.SIPAccount, error] {
	return func(func(provider.SIPAccount, error) bool) {}
}

// Custody identity is the account as reached, not the profile or the
// provider's name: the sandbox in process and a Twilio profile pointed at
// its `sandbox serve` reach the same accounts, so their runs exclude each
// other; another account (or realm) does not conflict.
func TestCustodyIdentityIsTheAccountReached(t *testing.T) {
	c := custody.New(t.TempDir())
	entry := func() []journal.Entry {
		return []journal.Entry{{Op: journal.OpRotate, Ref: "CL1/CR1", Username: "alice", Domain: "office.sip.twilio.com", Password: "Pw-1-Secret"}}
	}
	first, err := c.Begin(custody.Request{Command: "password rotate", Profile: "sandbox",
		Provider: stub{"sandbox", "twilio-api", "AC1"}, AccountSID: "AC1", Entries: entry()})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Abandon()
	_, err = c.Begin(custody.Request{Command: "password rotate", Profile: "served",
		Provider: stub{"twilio", "twilio-api", "AC1"}, AccountSID: "AC1", Entries: entry()})
	var ce *custody.ConflictError
	if !errors.As(err, &ce) || !ce.Live {
		t.Fatalf("a second profile reaching the same account: %v", err)
	}
	for _, other := range []stub{{"twilio", "twilio-api", "AC2"}, {"telnyx", "", "AC1"}} {
		r, err := c.Begin(custody.Request{Command: "password rotate", Profile: "other",
			Provider: other, AccountSID: other.acct, Entries: entry()})
		if err != nil {
			t.Fatalf("%+v: %v", other, err)
		}
		r.Abandon()
	}
}
