package signalwire

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
)

const (
	testProject = "1b5a0c6e-7d1f-4f5e-9c1a-2b3c4d5e6f70"
	testToken   = "PTsecret0123456789"
	testID      = "67075301-69b2-4fc3-8a2c-c95a69a5665e"
)

func newTestClient(t *testing.T, h http.HandlerFunc) (*Client, *[]time.Duration) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(Options{Space: "example", BaseURL: srv.URL, ProjectID: testProject, Token: testToken, PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	return c, &waits
}

func endpointJSON(id, user string) string {
	return fmt.Sprintf(`{"type":"sip_endpoint","id":%q,"username":%q,"caller_id":null,"send_as":"random","ciphers":[],"codecs":["PCMU"],"encryption":"default"}`, id, user)
}

func TestNewRefusesBadInputBeforeAnyRequest(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Space: "Bad_Space", ProjectID: testProject, Token: testToken}, `invalid SignalWire space "Bad_Space"`},
		{Options{Space: "example.signalwire.com", ProjectID: testProject, Token: testToken}, "invalid SignalWire space"},
		{Options{Space: "example", ProjectID: "AC123", Token: testToken}, `invalid SignalWire project ID "AC123"`},
		{Options{Space: "example", ProjectID: testProject}, "no SignalWire API token"},
		{Options{Space: "example", ProjectID: testProject, Token: "PT a"}, "whitespace"},
		{Options{Space: "example", ProjectID: testProject, Token: testToken, BaseURL: "http://example.com"}, "plain http"},
	} {
		if _, err := New(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("New(%+v) = %v, want one line with %q", tc.o.Space, err, tc.want)
		}
	}
	for raw, want := range map[string]string{"example.signalwire.com": "example", "https://Example.signalwire.com/": "example", "lab-2": "lab-2"} {
		if got, err := SpaceFromURL(raw); err != nil || got != want {
			t.Errorf("SpaceFromURL(%q) = %q, %v", raw, got, err)
		}
	}
	if _, err := SpaceFromURL("example.evil.com"); err == nil {
		t.Error("SpaceFromURL accepted another host")
	}
}

func TestRequestsUseBasicAuthAndTheSpaceDomain(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		user, pass, ok := r.BasicAuth()
		if !ok || user != testProject || pass != testToken {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"Unauthorized"}`)
			return
		}
		io.WriteString(w, `{"links":{"self":"x","first":"x"},"data":[`+endpointJSON(testID, "c3p0")+`]}`)
	})
	a, err := c.GetSIPAccount(context.Background(), "c3p0", "example")
	if err != nil {
		t.Fatal(err)
	}
	if a.Domain != "example.sip.signalwire.com" || a.Registrar.Host != "example.sip.signalwire.com" || a.Ref != testID {
		t.Fatalf("account = %+v", a)
	}
	if _, err := c.CanonicalDomain("office.sip.twilio.com"); err == nil {
		t.Fatal("another domain was accepted")
	}
}

// An expired or revoked token is a 401: Unauthorized (exit 4) with a hint,
// never retried, and the token never in the message.
func TestExpiredTokenIsAnAuthenticationError(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"Unauthorized"}`)
	})
	_, err := c.GetEndpoint(context.Background(), testID)
	var ae *APIError
	if !errors.As(err, &ae) || !ae.Unauthorized() || !strings.Contains(ae.ErrorHint(), "auth login --provider signalwire") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "\n") || calls.Load() != 1 {
		t.Fatalf("err = %q after %d calls", err, calls.Load())
	}
}

// A 429 is retried: after Retry-After when there is one, after a back-off
// when not; a Retry-After past httpsafe's cap fails as temporary at once.
func TestRateLimitAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, retryAfter string
		want             func(waits []time.Duration) bool
	}{
		{"with Retry-After", "3", func(w []time.Duration) bool { return len(w) == 1 && w[0] == 3*time.Second }},
		{"without Retry-After", "", func(w []time.Duration) bool { return len(w) == 1 && w[0] > 0 && w[0] <= time.Second }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			c, waits := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) == 1 {
					if tc.retryAfter != "" {
						w.Header().Set("Retry-After", tc.retryAfter)
					}
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				io.WriteString(w, endpointJSON(testID, "c3p0"))
			})
			var throttled atomic.Int32
			ctx := provider.WithThrottleObserver(context.Background(), func() { throttled.Add(1) })
			if err := c.SetSIPPassword(ctx, provider.SIPAccount{Ref: testID, Username: "c3p0"}, "New-pass-123"); err != nil {
				t.Fatal(err)
			}
			if !tc.want(*waits) || throttled.Load() != 1 || calls.Load() != 2 {
				t.Fatalf("waits %v, throttled %d, calls %d", *waits, throttled.Load(), calls.Load())
			}
		})
	}
	t.Run("Retry-After past the cap", func(t *testing.T) {
		c, waits := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		})
		err := c.SetSIPPassword(context.Background(), provider.SIPAccount{Ref: testID}, "New-pass-123")
		var ra *httpsafe.RetryAfterError
		if !errors.As(err, &ra) || len(*waits) != 0 || strings.Contains(err.Error(), "\n") {
			t.Fatalf("err = %v, waits %v", err, *waits)
		}
	})
}

// Pages follow links.next: a path or an absolute URL on the origin; a link
// to another host is refused before anything is sent there, and a link
// that repeats stops the listing.
func TestPageLinks(t *testing.T) {
	var otherHost atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { otherHost.Add(1) }))
	t.Cleanup(other.Close)
	var base string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page_size") != "2" {
			t.Errorf("page_size = %q", r.URL.Query().Get("page_size"))
		}
		next := ""
		switch r.URL.Query().Get("page_number") {
		case "":
			next = EndpointsPath + "?page_number=1&page_size=2&page_token=PA2"
		case "1":
			next = base + EndpointsPath + "?page_number=2&page_size=2&page_token=PA4"
		case "2":
			next = r.URL.Query().Get("then")
			if next == "" {
				next = other.URL + EndpointsPath + "?page_number=3&page_size=2&page_token=PA6"
			}
		}
		n := r.URL.Query().Get("page_number")
		fmt.Fprintf(w, `{"links":{"self":"s","first":"f","next":%q},"data":[%s,%s]}`, next,
			endpointJSON(testID, "u"+n+"a"), endpointJSON(testID, "u"+n+"b"))
	})
	base = strings.TrimSuffix(c.base.String(), "/")
	var got []string
	var err error
	for e, lerr := range c.ListEndpoints(context.Background(), EndpointQuery{}) {
		if lerr != nil {
			err = lerr
			break
		}
		got = append(got, e.Username)
	}
	var off *httpsafe.OffOriginError
	if !errors.As(err, &off) || len(got) != 6 || otherHost.Load() != 0 {
		t.Fatalf("listed %v, then %v; %d requests to the other host", got, err, otherHost.Load())
	}
	if strings.Contains(err.Error(), "\n") {
		t.Fatalf("not one line: %q", err)
	}

	loop, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"links":{"self":"s","first":"f","next":%q},"data":[%s]}`, EndpointsPath+"?page_number=1&page_token=PA1", endpointJSON(testID, "x"))
	})
	n := 0
	for _, lerr := range loop.ListEndpoints(context.Background(), EndpointQuery{}) {
		if lerr != nil {
			err = lerr
			break
		}
		n++
	}
	if !errors.Is(err, httpsafe.ErrPagination) || n != 2 {
		t.Fatalf("a repeating link: %d items, %v", n, err)
	}
}

func TestErrorsMapToNeutralClasses(t *testing.T) {
	taken := &APIError{Status: 422, Errors: []ErrorItem{{Detail: "Username has already been taken", Status: "422", Title: "Invalid Attribute", Code: "422"}}}
	if !errors.Is(taken, provider.ErrExists) || errors.Is(taken, provider.ErrNotFound) {
		t.Error("a taken username is not ErrExists")
	}
	if nf := (&APIError{Status: 404, Message: "Not Found"}); !errors.Is(nf, provider.ErrNotFound) || nf.Error() != "SignalWire: HTTP 404: Not Found ()" && !strings.Contains(nf.Error(), "Not Found") {
		t.Errorf("404: %v", nf)
	}
}

func TestValidation(t *testing.T) {
	for _, u := range []string{"a b", "r2@d2", ""} {
		if ValidateUsername(u) == nil {
			t.Errorf("ValidateUsername(%q) accepted", u)
		}
	}
	if ValidateUsername("c3p0") != nil {
		t.Error("c3p0 refused")
	}
	if ValidatePassword("") == nil || ValidatePassword("a\tb") == nil || ValidatePassword("yavinOrBust") != nil {
		t.Error("ValidatePassword")
	}
	c := &Client{space: "example"}
	limit, bad, codec, enc, e164 := 2, "+1 415", []string{"G711"}, "always", "+14155550123"
	for _, s := range []provider.AccountSettings{
		{InboundChannelLimit: &limit}, {CallerID: &bad}, {Codecs: &codec}, {Encryption: &enc}, {OutboundProfile: &e164},
	} {
		if err := c.ValidateSettings(s); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("ValidateSettings(%+v) = %v", s, err)
		}
	}
	good, req := []string{"OPUS", "PCMU"}, "required"
	if err := c.ValidateSettings(provider.AccountSettings{CallerID: &e164, Codecs: &good, Encryption: &req}); err != nil {
		t.Error(err)
	}
}
