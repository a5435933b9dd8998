package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sandbox/sandboxtest"
	"github.com/sipctl/sipctl/internal/telnyx"
	"github.com/sipctl/sipctl/internal/testenv"
)

// Prism in proxy mode with --errors sits between sipctl's Telnyx client and
// the sandbox's Telnyx face, checking every request and response against
// Telnyx's official OpenAPI document (../shared/specs/telnyx/openapi-v2.yml).
func TestTelnyxPrismProxyConformance(t *testing.T) {
	spec := testenv.TelnyxSpec(t)
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { srv.Close(); sb.Close() })
	prism := sandboxtest.StartPrismWith(t, sandboxtest.TelnyxSubset(t, spec), srv.URL+sandbox.TelnyxPrefix)
	t.Cleanup(func() {
		for _, v := range prism.Violations() {
			t.Errorf("Prism: %s", v)
		}
	})
	c, err := telnyx.New(telnyx.Options{BaseURL: prism.URL, APIKey: sb.TelnyxAPIKey(), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	step := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	var accounts []provider.SIPAccount
	for i := range 5 {
		a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: fmt.Sprintf("prism%02d", i), Password: fmt.Sprintf("Prism-pass-%d", i)})
		step("CreateSIPAccount", err)
		accounts = append(accounts, a)
	}
	if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "prism00", Password: "Prism-pass-x"}); !errors.Is(err, provider.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	n := 0
	for _, err := range c.ListConnections(ctx, telnyx.ConnectionQuery{PageSize: 2}) {
		step("ListConnections paged", err)
		n++
	}
	if n != 5 {
		t.Fatalf("paged list = %d", n)
	}
	for _, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{}) {
		step("ListSIPAccounts", err)
	}
	got, err := c.GetSIPAccount(ctx, "prism03", "")
	step("GetSIPAccount (filtered list)", err)
	_, err = c.GetConnection(ctx, got.Ref)
	step("GetConnection", err)
	step("SetSIPPassword", c.SetSIPPassword(ctx, got, "Prism-rotated-9"))
	limit, callerID := 3, "+14155550123"
	_, err = c.UpdateConnection(ctx, got.Ref, telnyx.ConnectionParams{
		Inbound:  &telnyx.InboundParams{ChannelLimit: &limit},
		Outbound: &telnyx.OutboundParams{ChannelLimit: &limit, ANIOverride: &callerID},
	})
	step("UpdateConnection settings", err)
	profileID, none := "1293384261075731499", ""
	_, err = c.UpdateSIPAccount(ctx, got, provider.AccountSettings{OutboundProfile: &profileID, CallerID: &none})
	step("UpdateSIPAccount (outbound voice profile, caller ID none)", err)
	st, err := c.RegistrationStatus(ctx, accounts)
	step("RegistrationStatus", err)
	if len(st) != 5 {
		t.Fatalf("status of %d", len(st))
	}
	name, enabled, spend, conc := "prism intl", true, "25.00", 4
	ovp, err := c.CreateProfile(ctx, telnyx.ProfileParams{Name: &name, Enabled: &enabled, WhitelistedDestinations: []string{"us", "GB"}})
	step("CreateProfile", err)
	_, err = c.UpdateProfile(ctx, ovp.ID, telnyx.ProfileParams{DailySpendLimit: &spend, ConcurrentCallLimit: &conc, WhitelistedDestinations: []string{"DE"}})
	step("UpdateProfile (without a name)", err)
	_, err = c.GetProfile(ctx, ovp.ID)
	step("GetProfile", err)
	for _, err := range c.ListProfiles(ctx) {
		step("ListProfiles", err)
	}
	step("DeleteProfile", c.DeleteProfile(ctx, ovp.ID))

	// Outbound profiles through the neutral capability (accounts restrict's requests).
	codes := []string{"US", "CA"}
	op, err := c.CreateOutboundProfile(ctx, provider.OutboundProfileParams{Name: &name, Enabled: &enabled, Countries: codes})
	step("CreateOutboundProfile", err)
	_, err = c.UpdateSIPAccount(ctx, got, provider.AccountSettings{OutboundProfile: &op.ID})
	step("UpdateSIPAccount (restrict)", err)
	off := false
	_, err = c.UpdateOutboundProfile(ctx, op.ID, provider.OutboundProfileParams{DailySpendLimitEnabled: &off, Countries: []string{"GB"}})
	step("UpdateOutboundProfile", err)

	// Managed accounts: create, list with status (filter[status][eq]), get
	// (with its api_key), disable, enable, and act inside one with its key.
	ma, err := c.CreateSubaccount(ctx, "Prism Dental")
	step("CreateSubaccount", err)
	step("SetAccountStatus suspended", func() error { _, err := c.SetAccountStatus(ctx, ma.SID, "suspended"); return err }())
	for _, err := range c.ListSubaccounts(ctx) {
		step("ListSubaccounts", err)
	}
	_, err = c.GetAccount(ctx, ma.SID)
	step("GetAccount", err)
	step("SetAccountStatus active", func() error { _, err := c.SetAccountStatus(ctx, ma.SID, "active"); return err }())
	inside := c.WithAccount(ma.SID)
	inA, err := inside.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "prismacme1", Password: "Prism-acme-1"})
	step("CreateSIPAccount inside the managed account", err)
	step("DeleteSIPAccount inside the managed account", inside.DeleteSIPAccount(ctx, inA))

	// IP connections and IPs as IP ACLs.
	acl, err := c.CreateIPACL(ctx, "prism-ips")
	step("CreateIPACL", err)
	ip, err := c.AddIPAddress(ctx, acl.SID, "", "203.0.113.7", 32)
	step("AddIPAddress", err)
	for _, err := range c.ListIPACLs(ctx) {
		step("ListIPACLs", err)
	}
	for _, err := range c.ListIPAddresses(ctx, acl.SID) {
		step("ListIPAddresses", err)
	}
	_, err = c.GetIPACL(ctx, acl.SID)
	step("GetIPACL", err)
	step("RemoveIPAddress", c.RemoveIPAddress(ctx, acl.SID, ip.SID))
	step("DeleteIPACL", c.DeleteIPACL(ctx, acl.SID))
	for _, a := range accounts {
		step("DeleteSIPAccount", c.DeleteSIPAccount(ctx, a))
	}
	// Telnyx's error answers pass through Prism too.
	if _, err := c.GetConnection(ctx, accounts[0].Ref); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	bad, _ := telnyx.New(telnyx.Options{BaseURL: prism.URL, APIKey: "KEYWRONG", MaxRetries: -1})
	var ae *telnyx.APIError
	if _, err := bad.GetConnection(ctx, accounts[0].Ref); !errors.As(err, &ae) || !ae.Unauthorized() {
		t.Fatalf("wrong key: %v", err)
	}
	if r := prism.Requests(); r < 40 {
		t.Fatalf("only %d requests went through Prism", r)
	}
}
