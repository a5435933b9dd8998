package sandbox

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/telnyx"
)

// Managed accounts as subaccounts: created, listed with their status,
// disabled and enabled; acting inside one uses its own key (fetched once,
// never logged), and sees only its own connections.
func TestTelnyxFaceManagedAccounts(t *testing.T) {
	s := openTest(t)
	var debug bytes.Buffer
	c, err := telnyx.New(telnyx.Options{BaseURL: "http://localhost" + TelnyxPrefix, APIKey: s.TelnyxAPIKey(),
		HTTPClient: &http.Client{Transport: s.RoundTripperWith(HandlerOptions{})}, MaxRetries: -1, PageSize: 1, Debug: &debug})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	acme, err := c.CreateSubaccount(ctx, "Acme Dental")
	if err != nil || acme.Status != "active" || !telnyx.ValidUUID(acme.SID) {
		t.Fatalf("%+v %v", acme, err)
	}
	globex, err := c.CreateSubaccount(ctx, "Globex")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetAccountStatus(ctx, globex.SID, "suspended"); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for a, err := range c.ListSubaccounts(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got[a.FriendlyName] = a.Status
	}
	if len(got) != 2 || got["Acme Dental"] != "active" || got["Globex"] != "suspended" {
		t.Fatalf("listed %v", got)
	}
	if a, err := c.GetAccount(ctx, globex.SID); err != nil || a.Status != "suspended" {
		t.Fatalf("get %+v %v", a, err)
	}
	if _, err := c.SetAccountStatus(ctx, globex.SID, "closed"); !errors.As(err, new(*provider.MissingCapabilityError)) {
		t.Fatalf("close: %v", err)
	}

	// Inside Acme: its own connections, not the manager's.
	if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "manager01", Password: "Manager-pass-1"}); err != nil {
		t.Fatal(err)
	}
	in := c.WithAccount(acme.SID).(*telnyx.Client)
	if in.AccountSID() != acme.SID {
		t.Fatalf("AccountSID %q", in.AccountSID())
	}
	if _, err := in.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "acmedesk1", Password: "Acme-pass-123"}); err != nil {
		t.Fatal(err)
	}
	var names []string
	for a, err := range in.ListSIPAccounts(ctx, provider.AccountQuery{}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.Username)
	}
	if strings.Join(names, ",") != "acmedesk1" {
		t.Fatalf("inside acme: %v", names)
	}
	if _, err := c.GetSIPAccount(ctx, "acmedesk1", ""); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("the manager sees acme's connection: %v", err)
	}
	// A managed account's own key manages no accounts.
	m, err := c.GetManagedAccount(ctx, acme.SID)
	if err != nil || !strings.HasPrefix(m.APIKey, managedKeyPrefix) {
		t.Fatalf("%v", err)
	}
	if _, err := telnyxClient(t, s, HandlerOptions{}, m.APIKey).CreateSubaccount(ctx, "nested"); err == nil {
		t.Fatal("a managed account created one")
	}
	// A disabled account's key is refused.
	g := c.WithAccount(globex.SID).(*telnyx.Client)
	var ae *telnyx.APIError
	if _, err := g.GetSIPAccount(ctx, "acmedesk1", ""); !errors.As(err, &ae) || ae.Status != http.StatusForbidden {
		t.Fatalf("disabled: %v", err)
	}
	log := debug.String()
	if !strings.Contains(log, `"api_key":"[REDACTED]"`) || strings.Contains(log, managedKeyPrefix) || strings.Contains(log, s.TelnyxAPIKey()) {
		t.Fatalf("the debug log shows a key:\n%s", log)
	}
}

// IP authentication maps onto IP ACLs: an IP connection per list, its
// /ips as the addresses; a range is refused before any request.
func TestTelnyxFaceIPConnectionsAsIPACLs(t *testing.T) {
	s := openTest(t)
	c := telnyxClient(t, s, HandlerOptions{}, "")
	ctx := context.Background()
	acl, err := c.CreateIPACL(ctx, "office-ips")
	if err != nil || !telnyx.ValidID(acl.SID) || acl.FriendlyName != "office-ips" {
		t.Fatalf("%+v %v", acl, err)
	}
	other, _ := c.CreateIPACL(ctx, "lab-ips")
	for _, ip := range []string{"203.0.113.10", "203.0.113.11"} {
		if _, err := c.AddIPAddress(ctx, acl.SID, "", ip, 32); err != nil {
			t.Fatal(err)
		}
	}
	c.AddIPAddress(ctx, other.SID, "", "198.51.100.1", 0)
	if _, err := c.AddIPAddress(ctx, acl.SID, "", "203.0.113.0", 24); err == nil || !strings.Contains(err.Error(), "single addresses") {
		t.Fatalf("range: %v", err)
	}
	var addrs []provider.IPAddress
	for a, err := range c.ListIPAddresses(ctx, acl.SID) {
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, a)
	}
	if len(addrs) != 2 || addrs[0].IPAddress != "203.0.113.10" || addrs[0].CIDRPrefixLength != 32 {
		t.Fatalf("%+v", addrs)
	}
	if err := c.RemoveIPAddress(ctx, acl.SID, addrs[0].SID); err != nil {
		t.Fatal(err)
	}
	if got, err := c.GetIPACL(ctx, acl.SID); err != nil || got.FriendlyName != "office-ips" {
		t.Fatalf("%+v %v", got, err)
	}
	if err := c.DeleteIPACL(ctx, acl.SID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetIPACL(ctx, acl.SID); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	n := 0
	for _, err := range c.ListIPACLs(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("%d IP connections left", n)
	}
}
