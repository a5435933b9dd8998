package factory

import (
	"slices"
	"testing"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
)

func TestRegistryHasTheBuiltInProvidersAndRefusesDuplicates(t *testing.T) {
	names := Registered()
	if !slices.Contains(names, "twilio") || !slices.Contains(names, "sandbox") || !slices.IsSorted(names) {
		t.Errorf("Registered() = %v, want sorted with twilio and sandbox", names)
	}
	if _, ok := Lookup("twilio"); !ok {
		t.Error("Lookup(twilio) failed")
	}
	if _, ok := Lookup("frob"); ok {
		t.Error("Lookup(frob) found something")
	}
	for _, info := range []Info{
		{Name: "twilio", New: newTwilio},
		{Name: "", New: newTwilio},
		{Name: "nil-constructor"},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", info.Name)
				}
			}()
			Register(info)
		}()
	}
	var _ Constructor = func(*Env, *config.Profile) (provider.SIPAccounts, error) { return nil, nil }
}

func TestUnknownProviderErrorIsOneLineNamingTheRegistered(t *testing.T) {
	err := &UnknownProviderError{Profile: "pbx", Provider: "kamailo", Registered: []string{"kamailio", "sandbox", "twilio"}}
	if got := err.Error(); got != `profile "pbx" has unknown provider "kamailo"; registered providers: kamailio, sandbox, twilio` {
		t.Errorf("Error() = %q", got)
	}
}

func TestRegisterSetsThePasswordPolicyDefault(t *testing.T) {
	if _, done := Lookup("policytest"); !done { // -count=N reruns in one process
		Register(Info{Name: "policytest", New: newTwilio, PasswordPolicy: "device-safe"})
	}
	if got := password.DefaultFor("policytest"); got != "device-safe" {
		t.Errorf("DefaultFor(policytest) = %q", got)
	}
	if got := password.DefaultFor("twilio"); got != "twilio" {
		t.Errorf("DefaultFor(twilio) = %q", got)
	}
}
