package providerfake_test

import (
	"context"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providerfake"
	"github.com/sipctl/sipctl/internal/provider/providertest"
)

// The fake passes the conformance suite, so a command test using it sees a
// provider that behaves as real ones do (no registrar: no REGISTERs).
func TestFakeConformance(t *testing.T) {
	f := providerfake.New("pbx.example.test", "lab.example.test")
	providertest.Run(t, func(*testing.T) provider.SIPAccounts { return f }, providertest.Options{
		Domain: "pbx.example.test", OtherDomain: "lab.example.test"})
}

func TestFakeRegistrationsAndPasswords(t *testing.T) {
	ctx := context.Background()
	f := providerfake.New("pbx.example.test")
	a, err := f.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "desk01", Domain: "pbx.example.test", Password: "Pw-1"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Password("desk01", "pbx.example.test") != "Pw-1" {
		t.Fatal("the password given at create is not the account's")
	}
	f.SetRegistered("desk01", "pbx.example.test", "sip:desk01@192.0.2.1")
	st, err := f.RegistrationStatus(ctx, []provider.SIPAccount{a})
	if err != nil || st[a.Ref].State != provider.Registered {
		t.Fatalf("status %v, %v", st, err)
	}
	if f.Calls("CreateSIPAccount") != 1 || f.Calls("") != 2 {
		t.Errorf("calls: %d creates, %d in all", f.Calls("CreateSIPAccount"), f.Calls(""))
	}
}
