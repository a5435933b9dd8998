package plivo

import (
	"bytes"
	"context"
	"errors"
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
	testID    = "MA2025RK4E639VJFZAGV"
	testToken = "NWM3YjliMjk0ZGYxMGM2YjJiYWE0MjEwZDM5YWU5"
)

func newTest(t *testing.T, h http.HandlerFunc, debug *bytes.Buffer) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o := Options{BaseURL: srv.URL, AuthID: testID, AuthToken: testToken, RatePerSecond: -1}
	if debug != nil {
		o.Debug = debug
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error { return nil }
	return c
}

// A 429 is retried, with or without Retry-After; one asking for more than
// httpsafe's cap fails as temporary at once.
func TestRateLimitAnswers(t *testing.T) {
	var calls atomic.Int32
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"api_id":"a","error":"too many requests"}`))
		case 2:
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"api_id":"b","error":"too many requests"}`))
		default:
			w.Write([]byte(`{"endpoint_id":"12345678901234","username":"desk123456789012","alias":"desk"}`))
		}
	}, nil)
	e, err := c.GetEndpoint(context.Background(), "12345678901234")
	if err != nil || e.Username != "desk123456789012" || calls.Load() != 3 {
		t.Fatalf("after two 429s: %+v, %v, %d calls", e, err, calls.Load())
	}
	slow := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"api_id":"c","error":"too many requests"}`))
	}, nil)
	_, err = slow.GetEndpoint(context.Background(), "12345678901234")
	var ra *httpsafe.RetryAfterError
	if !errors.As(err, &ra) || provider.ErrorCode(err) != provider.RateLimited || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Retry-After of an hour: %v (%v)", err, provider.ErrorCode(err))
	}
}

// A page link to another host is refused before it is followed, and the
// error is one line.
func TestPageLinkToAnotherHostIsRefused(t *testing.T) {
	var hits atomic.Int32
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"meta":{"limit":1,"offset":0,"total_count":2,"next":"https://evil.example/v1/Account/` + testID + `/Endpoint/?limit=1&offset=1"},
			"objects":[{"endpoint_id":"1","username":"a123456789012"}]}`))
	}, nil)
	var n int
	var last error
	for _, err := range c.ListEndpoints(context.Background()) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	var off *httpsafe.OffOriginError
	if n != 1 || !errors.As(last, &off) || hits.Load() != 1 || strings.Contains(last.Error(), "\n") {
		t.Fatalf("listed %d, %d requests, err %v", n, hits.Load(), last)
	}
}

// Errors map to the neutral classes, and --debug shows no token or password.
func TestErrorsAndDebugLog(t *testing.T) {
	var debug bytes.Buffer
	c := newTest(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost:
			w.WriteHeader(http.StatusAccepted)
			w.Write([]byte(`{"api_id":"d","message":"changed"}`))
		case strings.Contains(r.URL.Path, "/404/"):
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"api_id":"e","error":"not found"}`))
		default:
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"api_id":"f","error":"authentication failed"}`))
		}
	}, &debug)
	ctx := context.Background()
	if err := c.SetSIPPassword(ctx, provider.SIPAccount{Ref: "12345678901234"}, "Secret-pass-2026"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetEndpoint(ctx, "404"); !errors.Is(err, provider.ErrNotFound) || provider.ErrorCode(err) != provider.NotFound {
		t.Errorf("404: %v", err)
	}
	_, err := c.GetEndpoint(ctx, "401")
	if provider.ErrorCode(err) != provider.Auth || !strings.Contains(provider.Hint(err), "auth login --provider plivo") {
		t.Errorf("401: %v (%v) hint %q", err, provider.ErrorCode(err), provider.Hint(err))
	}
	if strings.Contains(debug.String(), testToken) || strings.Contains(debug.String(), "Secret-pass-2026") || !strings.Contains(debug.String(), "[REDACTED]") {
		t.Errorf("debug log:\n%s", debug.String())
	}
}

func TestRules(t *testing.T) {
	for _, ok := range []string{"alice", "callme140703093944", "A1"} {
		if err := ValidateUsername(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"1alice", "al_ice", "al.ice", "alice@x", ""} {
		if err := ValidateUsername(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := ValidateRequestedUsername(strings.Repeat("a", 26)); err == nil {
		t.Error("a 26-character requested username accepted")
	}
	if RequestedName("zumba131031145958") != "zumba" || RequestedName("zumba") != "zumba" || RequestedName("zumba13103114595x") != "zumba13103114595x" {
		t.Error("RequestedName")
	}
	for _, id := range []string{"MA2025RK4E639VJFZAGV", "SA2025RK4E639VJFZAMM"} {
		if err := ValidateAuthID(id); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	for _, id := range []string{"MA2025RK4E639VJFZAG", "XA2025RK4E639VJFZAGV", "MA2025rk4e639vjfzagv", "AC0123456789abcdef0123456789abcdef"} {
		if err := ValidateAuthID(id); err == nil {
			t.Errorf("%s accepted", id)
		}
	}
}
