package sandbox_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providertest"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sandbox/sandboxtest"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/twilio"
)

// The sandbox provider (sipctl's Twilio client over the sandbox) passes the
// conformance suite every provider passes, with its SIP registrar (what
// `sandbox serve` runs) proving passwords with real REGISTERs: in-process as
// the default profile runs it, and over loopback HTTP behind Prism, which
// checks every request and answer against Twilio's OpenAPI document.
func TestSandboxProviderConformance(t *testing.T) {
	t.Run("in-process", func(t *testing.T) {
		sb, err := sandbox.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sb.Close() })
		runConformance(t, sb, "http://127.0.0.1", &http.Client{Transport: sb.RoundTripper()})
	})
	t.Run("through-prism", func(t *testing.T) {
		prism, sb := sandboxtest.ServeThroughPrism(t, t.TempDir())
		runConformance(t, sb, prism.URL, nil)
	})
}

func runConformance(t *testing.T, sb *sandbox.Sandbox, baseURL string, hc *http.Client) {
	sid, tok := sb.Account()
	// A page of 2 makes every listing of the suite's accounts span pages.
	c, err := twilio.New(twilio.Options{BaseURL: baseURL, AccountSID: sid, Secret: tok, HTTPClient: hc,
		MaxRetries: -1, ProviderName: "sandbox", PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"office.sip.twilio.com", "lab.sip.twilio.com"} {
		if _, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: ptr(name), SIPRegistration: ptr(true)}); err != nil {
			t.Fatal(err)
		}
	}
	reg, err := sip.NewRegistrar(sb, sip.RegistrarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	udp, err := reg.Listen("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- udp.Serve(sctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("registrar: %v", err)
		}
	})
	providertest.Run(t, func(*testing.T) provider.SIPAccounts { return c }, providertest.Options{
		Domain:      "office.sip.twilio.com",
		OtherDomain: "lab.sip.twilio.com",
		Accounts:    5,
		Registrar:   udp.Addr().String(),
		InvalidUsernames: []string{
			"a;b", "a%40b", // Twilio compares usernames literally
			"abcdefghijklmnopqrstuvwxyz0123456", // 33 characters
		},
	})
}

func ptr[T any](v T) *T { return &v }

// BenchmarkListSIPAccounts lists 1,000 accounts of a domain through the
// neutral interface (the Twilio client on the in-process sandbox, pages of
// 1,000), as `accounts list` does.
func BenchmarkListSIPAccounts(b *testing.B) {
	sb, err := sandbox.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	sid, tok := sb.Account()
	c, err := twilio.New(twilio.Options{BaseURL: "http://127.0.0.1", AccountSID: sid, Secret: tok,
		HTTPClient: &http.Client{Transport: sb.RoundTripper()}, MaxRetries: -1, ProviderName: "sandbox"})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: ptr("office.sip.twilio.com"), SIPRegistration: ptr(true)}); err != nil {
		b.Fatal(err)
	}
	first, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "u0", Domain: "office", Password: "Bench-Pass-word-2026"})
	if err != nil {
		b.Fatal(err)
	}
	listSID := first.Attributes["credential_list_sid"]
	for i := 1; i < 1000; i++ {
		if _, err := c.CreateCredential(ctx, listSID, fmt.Sprint("u", i), "Bench-Pass-word-2026"); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		n := 0
		for _, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: "office.sip.twilio.com"}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 1000 {
			b.Fatalf("listed %d", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/account")
}
