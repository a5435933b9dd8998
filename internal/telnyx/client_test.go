package telnyx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
)

func newTestClient(t *testing.T, h http.HandlerFunc, o Options) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if o.BaseURL == "" {
		o.BaseURL = srv.URL + "/v2"
	}
	if o.APIKey == "" {
		o.APIKey = "KEYtest_secret_value"
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error { return nil }
	return c
}

func TestNewRefusesPlainHTTPOffLoopbackAndEmptyKeys(t *testing.T) {
	if _, err := New(Options{BaseURL: "http://api.telnyx.com/v2", APIKey: "KEY1"}); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("plain http: %v", err)
	}
	if _, err := New(Options{APIKey: " "}); err == nil {
		t.Error("blank key accepted")
	}
	if _, err := New(Options{BaseURL: "https://user:pw@api.telnyx.com/v2", APIKey: "KEY1"}); err == nil || strings.Contains(err.Error(), "pw@") {
		t.Errorf("credentials in URL: %v", err)
	}
	c, err := New(Options{APIKey: "KEY1"})
	if err != nil || c.base.String() != DefaultBaseURL {
		t.Errorf("default: %v %v", c, err)
	}
}

func TestBearerJSONAndErrorShape(t *testing.T) {
	var gotAuth, gotType, gotBody string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotType = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		b := new(bytes.Buffer)
		b.ReadFrom(r.Body)
		gotBody = b.String()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(422)
		fmt.Fprint(w, `{"errors":[{"code":"10015","title":"Invalid value","detail":"user_name has already been taken.","source":{"pointer":"/user_name"},"meta":{"url":"https://developers.telnyx.com/docs/overview/errors/10015"}}]}`)
	}, Options{})
	_, err := c.CreateSIPAccount(context.Background(), provider.NewSIPAccount{Username: "alice01", Password: "Secret-pass-1"})
	if gotAuth != "Bearer KEYtest_secret_value" || gotType != "application/json" {
		t.Errorf("auth %q type %q", gotAuth, gotType)
	}
	if !strings.Contains(gotBody, `"user_name":"alice01"`) || !strings.Contains(gotBody, `"connection_name":"alice01"`) {
		t.Errorf("body %s", gotBody)
	}
	var ae *APIError
	if !errors.As(err, &ae) || !errors.Is(err, provider.ErrExists) {
		t.Fatalf("err = %v", err)
	}
	if want := "Telnyx error 10015: Invalid value: user_name has already been taken. (at /user_name)"; err.Error() != want {
		t.Errorf("message %q, want %q", err.Error(), want)
	}
	if ae.ErrorHint() == "" || strings.Contains(err.Error(), "\n") {
		t.Errorf("hint %q", ae.ErrorHint())
	}
}

func TestUnauthorizedIsAuthError(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"errors":[{"code":"10009","title":"Authentication failed","detail":"The required authentication headers were either invalid or not included in the request."}]}`)
	}, Options{})
	_, err := c.GetConnection(context.Background(), "123")
	var ae *APIError
	if !errors.As(err, &ae) || !ae.Unauthorized() || !strings.Contains(ae.ErrorHint(), "auth login") {
		t.Fatalf("err = %v", err)
	}
}

func TestRateLimitIsRetriedAndObserved(t *testing.T) {
	var calls, throttles atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch {
		case n <= 2:
			w.Header().Set("X-Ratelimit-Remaining", "0")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"errors":[{"code":"10011","title":"Too many requests"}]}`)
		default:
			fmt.Fprint(w, `{"data":{"id":"123","user_name":"alice01"}}`)
		}
	}, Options{})
	ctx := provider.WithThrottleObserver(context.Background(), func() { throttles.Add(1) })
	cc, err := c.UpdateConnection(ctx, "123", ConnectionParams{})
	if err != nil || cc.ID != "123" {
		t.Fatalf("%+v %v", cc, err)
	}
	if calls.Load() != 3 || throttles.Load() < 2 {
		t.Errorf("calls %d throttles %d", calls.Load(), throttles.Load())
	}
}

func TestQuotaSpentIsObservedBeforeA429(t *testing.T) {
	var throttles atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Ratelimit-Limit", "100")
		w.Header().Set("X-Ratelimit-Remaining", "0")
		fmt.Fprint(w, `{"data":{"id":"7"}}`)
	}, Options{})
	ctx := provider.WithThrottleObserver(context.Background(), func() { throttles.Add(1) })
	if _, err := c.GetConnection(ctx, "7"); err != nil || throttles.Load() != 1 {
		t.Fatalf("err %v throttles %d", err, throttles.Load())
	}
}

func TestServerErrorRetriedOnlyWhenSafe(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(503)
	}, Options{MaxRetries: 2})
	name := "x"
	c.CreateConnection(context.Background(), ConnectionParams{UserName: &name, Password: &name})
	if calls.Load() != 1 {
		t.Errorf("create tried %d times", calls.Load())
	}
	calls.Store(0)
	c.GetConnection(context.Background(), "1")
	if calls.Load() != 3 {
		t.Errorf("get tried %d times", calls.Load())
	}
}

func TestPaginationFollowsMetaAndStopsOnRepeats(t *testing.T) {
	var pages []string
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n := r.URL.Query().Get("page[number]")
		pages = append(pages, n+"/"+r.URL.Query().Get("page[size]"))
		if !strings.Contains(r.URL.RawQuery, "page[number]=") {
			t.Errorf("brackets escaped: %s", r.URL.RawQuery)
		}
		// Pages 1 and 2, then the server ignores page[number] and repeats 2.
		shown := n
		if n > "2" {
			shown = "2"
		}
		fmt.Fprintf(w, `{"data":[{"id":"%s1","user_name":"user%s1"},{"id":"%s2","user_name":"user%s2"}],"meta":{"page_number":%s,"page_size":2,"total_pages":9,"total_results":18}}`, shown, shown, shown, shown, shown)
	}, Options{})
	var ids []string
	for cc, err := range c.ListConnections(context.Background(), ConnectionQuery{PageSize: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, cc.ID)
	}
	if strings.Join(ids, ",") != "11,12,21,22" || strings.Join(pages, ",") != "1/2,2/2,3/2" {
		t.Errorf("ids %v pages %v", ids, pages)
	}
}

func TestPaginationStopsAtLastPage(t *testing.T) {
	var n atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		fmt.Fprintf(w, `{"data":[{"id":%s}],"meta":{"page_number":%s,"page_size":1,"total_pages":3,"total_results":3}}`, r.URL.Query().Get("page[number]"), r.URL.Query().Get("page[number]"))
	}, Options{})
	count := 0
	for cc, err := range c.ListConnections(context.Background(), ConnectionQuery{PageSize: 1}) {
		if err != nil || cc.ID == "" {
			t.Fatal(cc, err)
		}
		count++
	}
	if count != 3 || n.Load() != 3 {
		t.Errorf("items %d requests %d", count, n.Load())
	}
}

func TestRequestsStayOnOrigin(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request reached another origin: %s %s (auth %q)", r.Method, r.URL, r.Header.Get("Authorization"))
	}))
	defer other.Close()
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/v2/credential_connections/1", http.StatusTemporaryRedirect)
	}, Options{})
	pw := "Secret-pass-1"
	_, err := c.UpdateConnection(context.Background(), "1", ConnectionParams{Password: &pw})
	var off *httpsafe.OffOriginError
	if !errors.As(err, &off) || off.What != "redirect" {
		t.Errorf("redirect: %v", err)
	}
	if err := c.Do(context.Background(), Request{Method: "GET", Path: "//evil.example/v2/x"}, nil); err == nil {
		t.Error("scheme-relative path accepted")
	}
	if _, err := c.GetConnection(context.Background(), "../../x"); err == nil {
		t.Error("path traversal in an id accepted")
	}
}

func TestDebugLogRedacts(t *testing.T) {
	var log bytes.Buffer
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"data":{"id":"1","user_name":"alice01","password":"Echoed-Secret-9"}}`)
	}, Options{Debug: &log})
	pw := "Brand-New-Secret-7"
	if _, err := c.UpdateConnection(context.Background(), "1", ConnectionParams{Password: &pw}); err != nil {
		t.Fatal(err)
	}
	got := log.String()
	for _, secret := range []string{"KEYtest_secret_value", pw, "Echoed-Secret-9"} {
		if strings.Contains(got, secret) {
			t.Fatalf("debug log leaks %q:\n%s", secret, got)
		}
	}
	for _, want := range []string{"> PATCH ", "Authorization: [REDACTED]", `"password":"[REDACTED]"`, "< HTTP/1.1 200 OK"} {
		if !strings.Contains(got, want) {
			t.Errorf("debug log lacks %q:\n%s", want, got)
		}
	}
}

func TestBadInputRefusedBeforeAnyRequest(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
	}, Options{})
	ctx := context.Background()
	for _, u := range []string{"abc", "a_b_c_d", "alice@home", strings.Repeat("a", 33), "ümlaut1"} {
		if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: u, Password: "Good-pass-123"}); err == nil || !strings.Contains(err.Error(), "Telnyx") {
			t.Errorf("username %q: %v", u, err)
		}
	}
	for _, pw := range []string{"short7!", strings.Repeat("x", 129)} {
		_, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "alice01", Password: pw})
		if err == nil || !strings.Contains(err.Error(), "8 to 128") || strings.Contains(err.Error(), pw) {
			t.Errorf("password of %d: %v", len(pw), err)
		}
		if err := c.SetSIPPassword(ctx, provider.SIPAccount{Ref: "1", Username: "alice01"}, pw); err == nil {
			t.Errorf("SetSIPPassword of %d accepted", len(pw))
		}
	}
	if _, err := c.CanonicalDomain("office.sip.twilio.com"); err == nil || !strings.Contains(err.Error(), Registrar) {
		t.Errorf("foreign domain: %v", err)
	}
	if d, err := c.CanonicalDomain("SIP.telnyx.com."); d != Registrar || err != nil {
		t.Errorf("canonical: %q %v", d, err)
	}
}

func TestProfileParamsRefusedBeforeAnyRequest(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s %s", r.Method, r.URL)
	}, Options{})
	name, neg, spend := "intl", -1, "-5"
	for _, p := range []ProfileParams{
		{Name: &name, WhitelistedDestinations: []string{"US", "ZZ"}},
		{Name: &name, ConcurrentCallLimit: &neg},
		{Name: &name, DailySpendLimit: &spend},
		{},
	} {
		if _, err := c.CreateProfile(context.Background(), p); err == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

// A Retry-After beyond httpsafe's cap is not slept through: the request
// fails at once as temporary, for the bulk engine to retry later.
func TestRetryAfterBeyondTheCapFailsAsTemporary(t *testing.T) {
	var calls atomic.Int32
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"errors":[{"code":"10011","title":"Too many requests"}]}`)
	}, Options{})
	_, err := c.GetConnection(context.Background(), "7")
	var ra *httpsafe.RetryAfterError
	if !errors.As(err, &ra) || !ra.Temporary() || ra.Wait != time.Hour || calls.Load() != 1 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
}
