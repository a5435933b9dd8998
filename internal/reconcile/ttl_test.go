package reconcile

import (
	"context"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/clock"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

// TestPlanTTL: an account's ttl becomes an expiry from the clock
// (SIPCTL_NOW), in the plan and in the create's options; batched creation
// puts those accounts on the domain's expiry list and the others on its
// ordinary list, and the provider reads the expiry back.
func TestPlanTTL(t *testing.T) {
	t.Setenv(clock.EnvNow, "2026-06-01T12:00:30Z")
	p, _ := newSandbox(t)
	ctx := context.Background()
	name, on := "ci.sip.twilio.com", true
	if _, err := p.CreateDomain(ctx, provider.DomainParams{DomainName: &name, SIPRegistration: &on}); err != nil {
		t.Fatal(err)
	}
	f := load(t, p, "domains:\n  - name: ci\n    accounts:\n      - {username: job1, ttl: 2h}\n      - {username: job2, ttl: 2h}\n      - keep\n")
	_, pl := plan(t, p, f, false)
	want := time.Date(2026, 6, 1, 14, 1, 0, 0, time.UTC)
	b := Batched(p)
	for _, c := range pl.Changes {
		exp, err := provider.ExpiryOption(c.options)
		if err != nil {
			t.Fatal(err)
		}
		if c.username == "keep" {
			if c.ExpiresAt != nil || !exp.IsZero() {
				t.Fatalf("keep has an expiry: %v %v", c.ExpiresAt, exp)
			}
		} else if c.ExpiresAt == nil || !c.ExpiresAt.Equal(want) || !exp.Equal(want) {
			t.Fatalf("%s: expiry %v, options %v, want %v", c.username, c.ExpiresAt, c.options, want)
		}
		if _, err := b.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: c.username, Domain: c.domain, Password: "Initial-Password-1x", Options: c.options}); err != nil {
			t.Fatal(err)
		}
	}
	for a, err := range p.ListSIPAccounts(ctx, provider.AccountQuery{Domain: name}) {
		if err != nil {
			t.Fatal(err)
		}
		list := a.Attributes["credential_list"]
		switch a.Username {
		case "keep":
			if !a.ExpiresAt.IsZero() || list != "ci-users" {
				t.Fatalf("keep: %v on %s", a.ExpiresAt, list)
			}
		default:
			if !a.ExpiresAt.Equal(want) || list != twilio.ExpiryListName(name, want) {
				t.Fatalf("%s: %v on %s", a.Username, a.ExpiresAt, list)
			}
		}
	}
}
