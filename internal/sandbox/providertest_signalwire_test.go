package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providertest"
	"github.com/sipctl/sipctl/internal/providers/signalwire"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sandbox/sandboxtest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// sipctl's SignalWire provider passes the conformance suite against the
// sandbox's SignalWire face, the sandbox registrar proving every password
// with real REGISTERs at realm sandbox.sip.signalwire.com (the new one
// accepted, the old one refused): in-process, and over loopback HTTP behind
// Prism checking every request and answer against SignalWire's official
// OpenAPI document.
func TestSignalWireProviderConformance(t *testing.T) {
	t.Run("in-process", func(t *testing.T) {
		sb, _, regAddr := telnyxSandbox(t)
		hc := &http.Client{Transport: sb.RoundTripper()}
		providertest.Run(t, func(*testing.T) provider.SIPAccounts { return signalWireClient(t, sb, "http://127.0.0.1", hc) }, signalWireSuite(regAddr))
	})
	t.Run("through-prism", func(t *testing.T) {
		spec := testenv.SignalWireSpec(t)
		sb, _, regAddr := telnyxSandbox(t)
		srv := httptest.NewServer(sb.Handler())
		t.Cleanup(srv.Close)
		prism := sandboxtest.StartPrismWith(t, sandboxtest.SignalWireSubset(t, spec), srv.URL)
		t.Cleanup(func() {
			for _, v := range prism.Violations() {
				t.Errorf("Prism: %s", v)
			}
		})
		providertest.Run(t, func(*testing.T) provider.SIPAccounts { return signalWireClient(t, sb, prism.URL, nil) }, signalWireSuite(regAddr))
	})
}

func signalWireClient(t testing.TB, sb *sandbox.Sandbox, base string, hc *http.Client) *signalwire.Client {
	t.Helper()
	project, token := sb.SignalWireProject()
	// A page of 2 makes every listing of the suite's accounts span pages.
	c, err := signalwire.New(signalwire.Options{Space: sandbox.SignalWireSpace, BaseURL: base, ProjectID: project, Token: token,
		HTTPClient: hc, MaxRetries: -1, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func signalWireSuite(registrar string) providertest.Options {
	return providertest.Options{
		Domain:    sandbox.SignalWireRealm,
		Accounts:  5,
		Registrar: registrar,
		// SignalWire's documented rule: no whitespace, no '@'.
		ValidUsernames:   []string{"c3p0", "front.desk-01"},
		InvalidUsernames: []string{"a b", "r2@d2"},
	}
}

// The SignalWire client through Prism with the official document and
// --errors: create, list across pages, settings, rotate, delete, and the
// 4xx answers (duplicate 422, 404 after delete, 401 for a wrong token),
// with no violation.
func TestSignalWirePrismProxyConformance(t *testing.T) {
	spec := testenv.SignalWireSpec(t)
	sb, err := sandbox.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb.Handler())
	t.Cleanup(func() { srv.Close(); sb.Close() })
	prism := sandboxtest.StartPrismWith(t, sandboxtest.SignalWireSubset(t, spec), srv.URL)
	t.Cleanup(func() {
		for _, v := range prism.Violations() {
			t.Errorf("Prism: %s", v)
		}
	})
	c := signalWireClient(t, sb, prism.URL, nil)
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
	for _, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{}) {
		step("ListSIPAccounts (pages of 2)", err)
		n++
	}
	if n != 5 {
		t.Fatalf("listed %d, want 5", n)
	}
	got, err := c.GetSIPAccount(ctx, "prism03", "")
	step("GetSIPAccount (filter_username)", err)
	_, err = c.GetEndpoint(ctx, got.Ref)
	step("GetEndpoint", err)
	step("SetSIPPassword", c.SetSIPPassword(ctx, got, "Prism-rotated-9"))
	callerID, name, codecs, enc := "+14155550123", "Front desk", []string{"OPUS", "PCMU"}, "required"
	up, err := c.UpdateSIPAccount(ctx, got, provider.AccountSettings{CallerID: &callerID, CallerName: &name, Codecs: &codecs, Encryption: &enc})
	step("UpdateSIPAccount (send_as, caller_id, codecs, encryption)", err)
	if up.Attributes[signalwire.AttrSendAs] != callerID || up.Attributes[signalwire.AttrCallerName] != name ||
		up.Attributes[signalwire.AttrCodecs] != "OPUS,PCMU" || !up.Registrar.SRTP {
		t.Fatalf("after update: %+v", up)
	}
	none, noCodecs := "", []string{}
	_, err = c.UpdateSIPAccount(ctx, got, provider.AccountSettings{CallerID: &none, Codecs: &noCodecs})
	step("UpdateSIPAccount (caller ID none, default codecs)", err)
	for _, a := range accounts {
		step("DeleteSIPAccount", c.DeleteSIPAccount(ctx, a))
	}
	if _, err := c.GetEndpoint(ctx, accounts[0].Ref); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
	project, _ := sb.SignalWireProject()
	bad, _ := signalwire.New(signalwire.Options{Space: sandbox.SignalWireSpace, BaseURL: prism.URL, ProjectID: project, Token: "PTexpired", MaxRetries: -1})
	var ae *signalwire.APIError
	if _, err := bad.GetEndpoint(ctx, accounts[0].Ref); !errors.As(err, &ae) || !ae.Unauthorized() {
		t.Fatalf("wrong token: %v", err)
	}
	if r := prism.Requests(); r < 20 {
		t.Fatalf("only %d requests went through Prism", r)
	}
}
