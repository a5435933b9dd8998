package sandbox_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providertest"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sandbox/sandboxtest"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/telnyx"
	"github.com/sipctl/sipctl/internal/testenv"
)

// sipctl's Telnyx provider passes the conformance suite every provider
// passes, against the sandbox's Telnyx face, with the sandbox registrar
// proving passwords (and registration status) with real REGISTERs at realm
// sip.telnyx.com: in-process, and over loopback HTTP behind Prism checking
// every request and answer against Telnyx's official OpenAPI document.
func TestTelnyxProviderConformance(t *testing.T) {
	t.Run("in-process", func(t *testing.T) {
		sb, reg, regAddr := telnyxSandbox(t)
		hc := &http.Client{Transport: sb.RoundTripperWith(sandbox.HandlerOptions{Bindings: reg.Bindings})}
		runTelnyxConformance(t, sb, "http://127.0.0.1"+sandbox.TelnyxPrefix, hc, regAddr)
	})
	// --subaccount on Telnyx: the same suite inside a managed account, with
	// the key Telnyx hands its manager.
	t.Run("inside-a-managed-account", func(t *testing.T) {
		sb, reg, regAddr := telnyxSandbox(t)
		hc := &http.Client{Transport: sb.RoundTripperWith(sandbox.HandlerOptions{Bindings: reg.Bindings})}
		manager, err := telnyx.New(telnyx.Options{BaseURL: "http://127.0.0.1" + sandbox.TelnyxPrefix, APIKey: sb.TelnyxAPIKey(), HTTPClient: hc, MaxRetries: -1, PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		acme, err := manager.CreateSubaccount(context.Background(), "Acme Dental")
		if err != nil {
			t.Fatal(err)
		}
		inside := manager.WithAccount(acme.SID)
		providertest.Run(t, func(*testing.T) provider.SIPAccounts { return inside }, telnyxSuite(regAddr))
	})
	t.Run("through-prism", func(t *testing.T) {
		spec := testenv.TelnyxSpec(t)
		sb, reg, regAddr := telnyxSandbox(t)
		srv := httptest.NewServer(sb.HandlerWith(sandbox.HandlerOptions{Bindings: reg.Bindings}))
		t.Cleanup(srv.Close)
		prism := sandboxtest.StartPrismWith(t, sandboxtest.TelnyxSubset(t, spec), srv.URL+sandbox.TelnyxPrefix)
		t.Cleanup(func() {
			for _, v := range prism.Violations() {
				t.Errorf("Prism: %s", v)
			}
		})
		runTelnyxConformance(t, sb, prism.URL, nil, regAddr)
	})
}

func telnyxSandbox(t *testing.T) (*sandbox.Sandbox, *sip.Registrar, string) {
	t.Helper()
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	reg, err := sip.NewRegistrar(sb, sip.RegistrarOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	udp, err := reg.Listen("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- udp.Serve(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("registrar: %v", err)
		}
	})
	return sb, reg, udp.Addr().String()
}

func runTelnyxConformance(t *testing.T, sb *sandbox.Sandbox, baseURL string, hc *http.Client, registrar string) {
	// A page of 2 makes every listing of the suite's accounts span pages.
	c, err := telnyx.New(telnyx.Options{BaseURL: baseURL, APIKey: sb.TelnyxAPIKey(), HTTPClient: hc, MaxRetries: -1, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	providertest.Run(t, func(*testing.T) provider.SIPAccounts { return c }, telnyxSuite(registrar))
}

func telnyxSuite(registrar string) providertest.Options {
	return providertest.Options{
		Domain:    telnyx.Registrar,
		Accounts:  5,
		Registrar: registrar,
		// Telnyx's registrar is its one domain.
		FixedDomains: true,
		// Telnyx's documented rule: 4 to 32 letters and digits.
		Refuses:          []string{"101", "a.b-c_d", "x!y~z*'()"},
		ValidUsernames:   []string{"alice01", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"},
		InvalidUsernames: []string{"bob", "a_b_c", "abcdefghijklmnopqrstuvwxyz0123456"},
	}
}
