package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/telnyx"
)

func telnyxClient(t *testing.T, s *Sandbox, o HandlerOptions, key string) *telnyx.Client {
	t.Helper()
	if key == "" {
		key = s.TelnyxAPIKey()
	}
	c, err := telnyx.New(telnyx.Options{BaseURL: "http://localhost" + TelnyxPrefix, APIKey: key,
		HTTPClient: &http.Client{Transport: s.RoundTripperWith(o)}, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTelnyxFaceSIPAccounts(t *testing.T) {
	s := openTest(t)
	var bindings []sip.Binding
	c := telnyxClient(t, s, HandlerOptions{Bindings: func(domain, user string) []sip.Binding {
		if domain == TelnyxRealm && user == "alice01" {
			return bindings
		}
		return nil
	}}, "")
	ctx := context.Background()

	a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "alice01", Password: "Alice-pass-1"})
	if err != nil {
		t.Fatal(err)
	}
	if !telnyx.ValidID(a.Ref) || a.Domain != TelnyxRealm || a.Registrar.Host != TelnyxRealm || a.Created.IsZero() {
		t.Fatalf("created %+v", a)
	}
	if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "alice01", Password: "Other-pass-2"}); !errors.Is(err, provider.ErrExists) {
		t.Fatalf("duplicate: %v", err)
	}
	want := ha1("alice01", TelnyxRealm, "Alice-pass-1")
	if got, err := s.LookupHA1(ctx, "SIP.telnyx.com", "alice01"); err != nil || got != want {
		t.Fatalf("HA1 %q %v", got, err)
	}
	if err := c.SetSIPPassword(ctx, a, "Rotated-pass-2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.LookupHA1(ctx, TelnyxRealm, "alice01"); got != ha1("alice01", TelnyxRealm, "Rotated-pass-2") {
		t.Fatal("password change did not reach the registrar's HA1")
	}
	if _, err := s.LookupHA1(ctx, TelnyxRealm, "nobody1"); !errors.Is(err, sip.ErrUnknownUser) {
		t.Fatalf("unknown user: %v", err)
	}

	got, err := c.GetSIPAccount(ctx, "alice01", "")
	if err != nil || got.Ref != a.Ref {
		t.Fatalf("get %+v %v", got, err)
	}
	if _, err := c.GetSIPAccount(ctx, "nobody1", ""); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}

	st, err := c.RegistrationStatus(ctx, []provider.SIPAccount{a})
	if err != nil || st[a.Ref].State != provider.NotRegistered {
		t.Fatalf("status %+v %v", st, err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	bindings = []sip.Binding{{Contact: "sip:alice01@192.0.2.7:5070;transport=tcp", Expires: 300, Updated: now}}
	st, err = c.RegistrationStatus(ctx, []provider.SIPAccount{a})
	r := st[a.Ref]
	if err != nil || r.State != provider.Registered || r.Source != "192.0.2.7:5070" || r.Transport != "TCP" || !r.LastSeen.Equal(now) {
		t.Fatalf("status %+v %v", r, err)
	}

	if err := c.DeleteSIPAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteSIPAccount(ctx, a); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	if _, err := s.LookupHA1(ctx, TelnyxRealm, "alice01"); !errors.Is(err, sip.ErrUnknownUser) {
		t.Fatalf("deleted user still registers: %v", err)
	}
}

func TestTelnyxFacePagesAndFilters(t *testing.T) {
	s := openTest(t)
	c := telnyxClient(t, s, HandlerOptions{}, "")
	ctx := context.Background()
	const n = 7
	for i := range n {
		if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: fmt.Sprintf("user%02d", i), Password: "Page-pass-123"}); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	for cc, err := range c.ListConnections(ctx, telnyx.ConnectionQuery{PageSize: 3}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, cc.UserName)
	}
	if len(names) != n || names[0] != "user00" || names[n-1] != "user06" {
		t.Fatalf("listed %v", names)
	}
	var filtered []string
	for cc, err := range c.ListConnections(ctx, telnyx.ConnectionQuery{NameContains: "USER05"}) {
		if err != nil {
			t.Fatal(err)
		}
		filtered = append(filtered, cc.UserName)
	}
	if strings.Join(filtered, ",") != "user05" {
		t.Fatalf("filtered %v", filtered)
	}
	count := 0
	for a, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: TelnyxRealm}) {
		if err != nil || a.Domain != TelnyxRealm {
			t.Fatal(a, err)
		}
		count++
	}
	if count != n {
		t.Fatalf("ListSIPAccounts = %d", count)
	}
	for _, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: "office.sip.twilio.com"}) {
		if err == nil {
			t.Fatal("a foreign domain listed")
		}
	}
}

func TestTelnyxFaceRefusesWrongKeyAndBadFields(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	bad := telnyxClient(t, s, HandlerOptions{}, "KEYREVOKED0000")
	_, err := bad.GetSIPAccount(ctx, "alice01", "")
	var ae *telnyx.APIError
	if !errors.As(err, &ae) || !ae.Unauthorized() || ae.Code() != "10009" {
		t.Fatalf("wrong key: %v", err)
	}
	c := telnyxClient(t, s, HandlerOptions{}, "")
	// The face validates as Telnyx does, for scripts that skip sipctl's checks.
	user, short := "bob_1", "short"
	_, err = c.CreateConnection(ctx, telnyx.ConnectionParams{UserName: &user, Password: &short})
	if !errors.As(err, &ae) || ae.Status != 422 || !strings.Contains(err.Error(), "/user_name") {
		t.Fatalf("bad user name: %v", err)
	}
	user = "bob00001"
	_, err = c.CreateConnection(ctx, telnyx.ConnectionParams{UserName: &user, Password: &short})
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "/password") {
		t.Fatalf("short password: %v", err)
	}
	neg := -1
	pw := "Bob-pass-1234"
	cc, err := c.CreateConnection(ctx, telnyx.ConnectionParams{UserName: &user, Password: &pw})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateConnection(ctx, cc.ID, telnyx.ConnectionParams{Inbound: &telnyx.InboundParams{ChannelLimit: &neg}})
	if !errors.As(err, &ae) || !strings.Contains(err.Error(), "/inbound/channel_limit") {
		t.Fatalf("negative limit: %v", err)
	}
}

func TestTelnyxFaceRateLimit(t *testing.T) {
	s := openTest(t)
	h := s.HandlerWith(HandlerOptions{MaxConcurrency: 1}).(*handler)
	h.sem <- struct{}{} // one request in progress: the bound is reached
	c, err := telnyx.New(telnyx.Options{BaseURL: "http://localhost" + TelnyxPrefix, APIKey: s.TelnyxAPIKey(),
		HTTPClient: &http.Client{Transport: &roundTripper{h: h}}, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	throttled := 0
	ctx := provider.WithThrottleObserver(context.Background(), func() { throttled++ })
	_, err = c.GetConnection(ctx, "1")
	var ae *telnyx.APIError
	if !errors.As(err, &ae) || !ae.RateLimited() || ae.Code() != "10011" || throttled == 0 {
		t.Fatalf("at the bound: %v (throttle reports %d)", err, throttled)
	}
	<-h.sem
	if _, err := c.GetConnection(ctx, "1"); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("below the bound: %v", err)
	}
}

func TestTelnyxFaceOutboundVoiceProfiles(t *testing.T) {
	s := openTest(t)
	c := telnyxClient(t, s, HandlerOptions{}, "")
	ctx := context.Background()
	name, off := "intl", false
	p, err := c.CreateProfile(ctx, telnyx.ProfileParams{Name: &name, WhitelistedDestinations: []string{"us", "gb"}})
	if err != nil || !telnyx.ValidID(p.ID) || strings.Join(p.WhitelistedDestinations, ",") != "US,GB" || !p.Enabled {
		t.Fatalf("%+v %v", p, err)
	}
	spend := "50.00"
	p, err = c.UpdateProfile(ctx, p.ID, telnyx.ProfileParams{Enabled: &off, DailySpendLimit: &spend})
	if err != nil || p.Name != "intl" || p.Enabled || p.DailySpendLimit != "50.00" || len(p.WhitelistedDestinations) != 2 {
		t.Fatalf("update %+v %v", p, err)
	}
	a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "desk01", Password: "Desk-pass-123"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateSIPAccount(ctx, a, provider.AccountSettings{OutboundProfile: &p.ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.GetProfile(ctx, p.ID); got.ConnectionsCount != 1 {
		t.Errorf("connections_count %d", got.ConnectionsCount)
	}
	n := 0
	for _, err := range c.ListProfiles(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Fatalf("listed %d", n)
	}
	if err := c.DeleteProfile(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetProfile(ctx, p.ID); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}
