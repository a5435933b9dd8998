package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providertest"
	"github.com/sipctl/sipctl/internal/providers/plivo"
	"github.com/sipctl/sipctl/internal/sandbox"
)

// sipctl's Plivo provider passes the conformance suite against the
// sandbox's Plivo face, with the sandbox registrar proving passwords (and
// registration status) with real REGISTERs at realm phone.plivo.com: in
// process, over loopback HTTP, and inside a subaccount with the token
// Plivo hands the main account.
func TestPlivoProviderConformance(t *testing.T) {
	t.Run("in-process", func(t *testing.T) {
		sb, reg, regAddr := telnyxSandbox(t)
		hc := &http.Client{Transport: sb.RoundTripperWith(sandbox.HandlerOptions{Bindings: reg.Bindings})}
		c := plivoClient(t, sb, "http://127.0.0.1", hc)
		providertest.Run(t, func(*testing.T) provider.SIPAccounts { return c }, plivoSuite(regAddr))
	})
	t.Run("over-http-with-the-rate-limit", func(t *testing.T) {
		sb, reg, regAddr := telnyxSandbox(t)
		srv := httptest.NewServer(sb.HandlerWith(sandbox.HandlerOptions{Bindings: reg.Bindings, PlivoRateLimit: true}))
		t.Cleanup(srv.Close)
		c := plivoClient(t, sb, srv.URL, nil)
		providertest.Run(t, func(*testing.T) provider.SIPAccounts { return c }, plivoSuite(regAddr))
	})
	t.Run("inside-a-subaccount", func(t *testing.T) {
		sb, reg, regAddr := telnyxSandbox(t)
		hc := &http.Client{Transport: sb.RoundTripperWith(sandbox.HandlerOptions{Bindings: reg.Bindings})}
		main := plivoClient(t, sb, "http://127.0.0.1", hc)
		acme, err := main.CreateSubaccount(context.Background(), "Acme Dental")
		if err != nil {
			t.Fatal(err)
		}
		if !plivo.IsSubaccountID(acme.SID) || acme.Status != plivo.StatusActive {
			t.Fatalf("created subaccount %+v", acme)
		}
		inside := main.WithAccount(acme.SID)
		providertest.Run(t, func(*testing.T) provider.SIPAccounts { return inside }, plivoSuite(regAddr))
	})
}

func plivoClient(t *testing.T, sb *sandbox.Sandbox, base string, hc *http.Client) *plivo.Client {
	t.Helper()
	// A page of 2 makes every listing of the suite's accounts span pages.
	c, err := plivo.New(plivo.Options{BaseURL: base, AuthID: sb.PlivoAuthID(), AuthToken: sb.PlivoAuthToken(), HTTPClient: hc, MaxRetries: -1, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func plivoSuite(registrar string) providertest.Options {
	return providertest.Options{
		Domain:    plivo.Registrar,
		Accounts:  5,
		Registrar: registrar,
		// phone.plivo.com is Plivo's one domain.
		FixedDomains: true,
		// Plivo's documented rule: letters and digits, starting with a letter.
		Refuses:          []string{"101", "a.b-c_d", "x!y~z*'()"},
		ValidUsernames:   []string{"alice01", "callme140703093944", "ABCDEFGHIJKLMNOPQRSTUVWXY"},
		InvalidUsernames: []string{"1bob", "a_b_c", "abcdefghijklmnopqrstuvwxyz012345678901"},
		MadeUsername: func(requested, made string) bool {
			return plivo.RequestedName(made) == requested && len(made) == len(requested)+plivo.AppendedDigits
		},
	}
}

// The face and the client agree on Plivo's rules and errors: a username
// Plivo refuses is refused before any request, a wrong token is exit 4's
// Unauthorized, an unknown endpoint is ErrNotFound, and the username
// asked for names the endpoint Plivo made from it.
func TestPlivoClientAgainstTheFace(t *testing.T) {
	sb, _, _ := telnyxSandbox(t)
	hc := &http.Client{Transport: sb.RoundTripper()}
	c := plivoClient(t, sb, "http://127.0.0.1", hc)
	ctx := context.Background()
	a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "frontdesk", Password: "Front-desk-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a.Username, "frontdesk") || len(a.Username) != len("frontdesk")+12 || a.Attributes[plivo.AttrAlias] != "frontdesk" {
		t.Errorf("created %+v", a)
	}
	if c.RequestedName(a) != "frontdesk" {
		t.Errorf("RequestedName(%s) = %q", a.Username, c.RequestedName(a))
	}
	got, err := c.GetSIPAccount(ctx, "frontdesk", "")
	if err != nil || got.Ref != a.Ref || got.Username != a.Username {
		t.Errorf("GetSIPAccount by the requested name = %+v, %v", got, err)
	}
	if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "frontdesk", Password: "Front-desk-2"}); !errors.Is(err, provider.ErrExists) {
		t.Errorf("second create of frontdesk: %v, want ErrExists", err)
	}
	if err := c.SetAlias(ctx, a, "front-desk_2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetSIPAccount(ctx, a.Username, ""); got.Attributes[plivo.AttrAlias] != "front-desk_2" {
		t.Errorf("alias after SetAlias: %v", got.Attributes)
	}
	for _, bad := range []string{"9lives", "front.desk", "abcdefghijklmnopqrstuvwxyz"} {
		if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: bad, Password: "Front-desk-1"}); err == nil || strings.Contains(err.Error(), "HTTP") {
			t.Errorf("create %q: %v, want refused before any request", bad, err)
		}
	}
	if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "short", Password: "1234"}); err == nil || !strings.Contains(err.Error(), "at least 5") {
		t.Errorf("a 4-character password: %v", err)
	}
	if err := c.DeleteSIPAccount(ctx, provider.SIPAccount{Ref: "12345678901234"}); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("delete of an unknown endpoint: %v", err)
	}
	wrong, err := plivo.New(plivo.Options{BaseURL: "http://127.0.0.1", AuthID: sb.PlivoAuthID(), AuthToken: "not-the-token", HTTPClient: hc, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wrong.GetSIPAccount(ctx, "frontdesk", "")
	var ae *plivo.APIError
	if !errors.As(err, &ae) || !ae.Unauthorized() || strings.Contains(err.Error(), "\n") {
		t.Errorf("a wrong token: %v", err)
	}
	if _, err := plivo.New(plivo.Options{AuthID: "MA123", AuthToken: "x"}); err == nil || !strings.Contains(err.Error(), "not a Plivo Auth ID") {
		t.Errorf("a short Auth ID: %v", err)
	}
}
