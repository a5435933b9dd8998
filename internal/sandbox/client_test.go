package sandbox

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/twilio"
)

// newClient is sipctl's own Twilio client on the sandbox, in-process, as the
// default profile uses it.
func newClient(t *testing.T, s *Sandbox) *twilio.Client { return benchClient(t, s) }

func benchClient(t testing.TB, s *Sandbox) *twilio.Client {
	t.Helper()
	sid, tok := s.Account()
	c, err := twilio.New(twilio.Options{
		BaseURL:      "http://127.0.0.1",
		AccountSID:   sid,
		Secret:       tok,
		HTTPClient:   &http.Client{Transport: s.RoundTripper()},
		MaxRetries:   -1,
		ProviderName: "sandbox",
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func TestTwilioClientInProcess(t *testing.T) {
	s := openTest(t)
	c := newClient(t, s)
	ctx := context.Background()

	d, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: ptr("office.sip.twilio.com"), FriendlyName: ptr("Office"), SIPRegistration: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if d.DomainName != "office.sip.twilio.com" || !d.SIPRegistration || d.FriendlyName != "Office" || d.DateCreated.IsZero() {
		t.Fatalf("created domain = %+v", d)
	}
	var names []string
	for d, err := range c.ListDomains(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, d.DomainName)
	}
	if len(names) != 1 || names[0] != "office.sip.twilio.com" {
		t.Fatalf("ListDomains = %v", names)
	}
	if _, err := c.GetDomain(ctx, "SD00000000000000000000000000000000"); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("GetDomain(unknown) err = %v, want ErrNotFound", err)
	}
	_, err = c.CreateDomain(ctx, provider.DomainParams{DomainName: ptr("office.sip.twilio.com")})
	var apiErr *twilio.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 21232 || apiErr.Status != 400 {
		t.Fatalf("duplicate domain err = %#v, want 400/21232", err)
	}
	if err := c.DeleteDomain(ctx, d.SID); err != nil {
		t.Fatal(err)
	}
}
