package custody_test

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/sipctl/sipctl/internal/custody"
	"github.com/sipctl/sipctl/internal/handover"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
)

// stub is a provider that sets every password and is called for nothing
// else.
type stub struct{ name, realm, acct string }

func (s stub) Name() string                                                      { return s.name }
func (s stub) CustodyRealm() string                                              { return s.realm }
func (s stub) AccountSID() string                                                { return s.acct }
func (s stub) CanonicalDomain(n string) (string, error)                          { return n, nil }
func (s stub) ValidateUsername(string) error                                     { return nil }
func (s stub) WithAccount(string) provider.SIPAccounts                           { return s }
func (s stub) SetSIPPassword(context.Context, provider.SIPAccount, string) error { return nil }
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

// target records what custody hands it.
type target struct {
	checkErr error
	got      []handover.Record
}

func (t *target) String() string             { return "test target" }
func (t *target) Check() error               { return t.checkErr }
func (t *target) Takes(e journal.Entry) bool { return e.Username != "skip" }
func (t *target) Write(_ context.Context, rs []handover.Record) error {
	t.got = append(t.got, rs...)
	return nil
}

// A Target is checked before any change, and written with the records of
// the applied entries it takes; the journal goes once it has them.
func TestTargetsAreCheckedAndWritten(t *testing.T) {
	dir := t.TempDir()
	c := custody.New(dir)
	p := stub{"sandbox", "twilio-api", "AC1"}
	entries := func() []journal.Entry {
		return []journal.Entry{
			{Op: journal.OpRotate, Ref: "CL1/CR1", Username: "alice", Domain: "office.sip.twilio.com", Password: "Pw-1-Secret"},
			{Op: journal.OpRotate, Ref: "CL1/CR2", Username: "skip", Domain: "office.sip.twilio.com", Password: "Pw-2-Secret"},
		}
	}
	bad := &target{checkErr: errors.New("no room")}
	if _, err := c.Begin(custody.Request{Command: "password rotate", Provider: p, AccountSID: "AC1", Entries: entries(),
		Targets: []custody.Target{bad}}); err == nil || err.Error() != "no room" {
		t.Fatalf("a target that fails its check: %v", err)
	}
	if js, _ := journal.List(journal.Dir(dir)); len(js) != 0 {
		t.Fatalf("a refused run left journals: %v", js)
	}
	good := &target{}
	run, err := c.Begin(custody.Request{Command: "password rotate", Provider: p, AccountSID: "AC1", Entries: entries(),
		Targets: []custody.Target{good}})
	if err != nil {
		t.Fatal(err)
	}
	rep := run.Finish(run.Apply(context.Background(), rotate.Options{}), custody.Delivery{})
	if len(good.got) != 1 || good.got[0].Username != "alice" || good.got[0].Password != "Pw-1-Secret" {
		t.Fatalf("the target got %+v", good.got)
	}
	if rep.Kept != "" || len(rep.Targets) != 1 || rep.Err(custody.Next{}) != nil {
		t.Fatalf("report: kept %q, targets %v, err %v", rep.Kept, rep.Targets, rep.Err(custody.Next{}))
	}
}
