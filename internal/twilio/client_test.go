package twilio

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "tok-3f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"
)

func newTestClient(t *testing.T, h http.Handler, mod func(*Options)) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o := Options{BaseURL: srv.URL, AccountSID: testSID, Secret: testToken, UserAgent: "sipctl/test"}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	c.sleep = func(context.Context, time.Duration) error { return nil }
	return c, srv
}

func checkAuth(t *testing.T, r *http.Request) {
	t.Helper()
	u, p, ok := r.BasicAuth()
	if !ok || u != testSID || p != testToken {
		t.Errorf("basic auth = %q/%q/%v, want account SID and token", u, p, ok)
	}
}

func TestDoPostsFormWithAuthAndDecodes(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checkAuth(t, r)
		if r.Method != "POST" || r.URL.Path != "/2010-04-01/Accounts/"+testSID+"/SIP/Domains.json" {
			t.Errorf("got %s %s", r.Method, r.URL.Path)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("content type %q", ct)
		}
		if ua := r.Header.Get("User-Agent"); ua != "sipctl/test" {
			t.Errorf("user agent %q", ua)
		}
		if err := r.ParseForm(); err != nil {
			t.Fatal(err)
		}
		if got := r.PostForm.Get("DomainName"); got != "office.sip.twilio.com" {
			t.Errorf("DomainName = %q", got)
		}
		if got := r.PostForm.Get("SipRegistration"); got != "true" {
			t.Errorf("SipRegistration = %q", got)
		}
		w.WriteHeader(201)
		fmt.Fprint(w, `{"sid":"SD1","date_created":"Mon, 16 Aug 2010 03:45:01 +0000"}`)
	}), nil)
	var out struct {
		SID         string `json:"sid"`
		DateCreated Time   `json:"date_created"`
	}
	form := url.Values{"DomainName": {"office.sip.twilio.com"}, "SipRegistration": {"true"}}
	if err := c.Do(context.Background(), "POST", c.AccountPath("SIP/Domains.json"), form, &out); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2010, 8, 16, 3, 45, 1, 0, time.UTC)
	if out.SID != "SD1" || !out.DateCreated.Equal(want) {
		t.Fatalf("decoded %+v", out)
	}
}

func TestGetSendsFormAsQuery(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "GET" || r.URL.Query().Get("FriendlyName") != "x y" || r.ContentLength > 0 {
			t.Errorf("got %s %s body=%d", r.Method, r.URL.RawQuery, r.ContentLength)
		}
		fmt.Fprint(w, `{}`)
	}), nil)
	if err := c.Do(context.Background(), "GET", c.AccountPath("x.json"), url.Values{"FriendlyName": {"x y"}}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestListFollowsNextPageURI(t *testing.T) {
	var calls atomic.Int32
	var c *Client
	c, _ = newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		checkAuth(t, r)
		calls.Add(1)
		page := r.URL.Query().Get("Page")
		if ps := r.URL.Query().Get("PageSize"); ps != "2" {
			t.Errorf("PageSize = %q on page %q", ps, page)
		}
		base := c.AccountPath("SIP/CredentialLists.json")
		switch page {
		case "":
			fmt.Fprintf(w, `{"credential_lists":[{"sid":"CL00000000000000000000000000000001"},{"sid":"CL00000000000000000000000000000002"}],"next_page_uri":"%s?PageSize=2&Page=1&PageToken=PA1"}`, base)
		case "1":
			if r.URL.Query().Get("PageToken") != "PA1" {
				t.Errorf("PageToken missing")
			}
			fmt.Fprintf(w, `{"credential_lists":[{"sid":"CL00000000000000000000000000000003"},{"sid":"CL00000000000000000000000000000004"}],"next_page_uri":"%s?PageSize=2&Page=2&PageToken=PA2"}`, base)
		case "2":
			fmt.Fprint(w, `{"credential_lists":[{"sid":"CL00000000000000000000000000000005"}],"next_page_uri":null}`)
		default:
			t.Errorf("unexpected page %q", page)
		}
	}), nil)
	type item struct {
		SID string `json:"sid"`
	}
	var got []string
	for it, err := range List[item](context.Background(), c, c.AccountPath("SIP/CredentialLists.json"), url.Values{"PageSize": {"2"}}, "credential_lists") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, it.SID)
	}
	short := make([]string, len(got))
	for i, sid := range got {
		short[i] = sid[:2] + strings.TrimLeft(sid[2:], "0")
	}
	if strings.Join(short, ",") != "CL1,CL2,CL3,CL4,CL5" || calls.Load() != 3 {
		t.Fatalf("got %v in %d calls", got, calls.Load())
	}
}

func TestListStopsEarlyWithoutFetchingMore(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.URL.Query().Get("PageSize") != "1000" {
			t.Errorf("default PageSize = %q, want 1000", r.URL.Query().Get("PageSize"))
		}
		fmt.Fprint(w, `{"domains":[{"sid":"SD00000000000000000000000000000001"},{"sid":"SD00000000000000000000000000000002"}],"next_page_uri":"/2010-04-01/x?Page=1"}`)
	}), nil)
	for range List[struct{}](context.Background(), c, c.AccountPath("SIP/Domains.json"), nil, "domains") {
		break
	}
	if calls.Load() != 1 {
		t.Fatalf("%d calls", calls.Load())
	}
}

func TestRetries429ThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	var waits []time.Duration
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(429)
			fmt.Fprint(w, `{"code":20429,"message":"Too Many Requests","status":429}`)
			return
		}
		r.ParseForm()
		if r.PostForm.Get("FriendlyName") != "a" {
			t.Errorf("retried request lost its body: %v", r.PostForm)
		}
		fmt.Fprint(w, `{"sid":"CL00000000000000000000000000000001"}`)
	}), nil)
	c.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	err := c.Do(context.Background(), "POST", c.AccountPath("SIP/CredentialLists.json"), url.Values{"FriendlyName": {"a"}}, nil)
	if err != nil || calls.Load() != 3 {
		t.Fatalf("err=%v calls=%d", err, calls.Load())
	}
	if len(waits) != 2 || waits[0] != 2*time.Second {
		t.Fatalf("waits %v, want Retry-After honoured", waits)
	}
}

func TestNoRetryOn400AndErrorDecoded(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(400)
		fmt.Fprint(w, `{"code":21232,"message":"Domain name already exists","more_info":"https://www.twilio.com/docs/errors/21232","status":400}`)
	}), nil)
	err := c.Do(context.Background(), "POST", c.AccountPath("SIP/Domains.json"), url.Values{"DomainName": {"a.sip.twilio.com"}}, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Code != 21232 || apiErr.Status != 400 || apiErr.MoreInfo == "" {
		t.Fatalf("err = %#v", err)
	}
	if calls.Load() != 1 {
		t.Fatalf("400 was retried: %d calls", calls.Load())
	}
	if got := err.Error(); got != "Twilio error 21232: Domain name already exists" {
		t.Fatalf("message %q", got)
	}
}

func TestPostNotRetriedOn5xxUnlessIdempotent(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(503)
			return
		}
		fmt.Fprint(w, `{}`)
	}), nil)
	err := c.Do(context.Background(), "POST", c.AccountPath("x.json"), nil, nil)
	if err == nil || calls.Load() != 1 {
		t.Fatalf("non-idempotent POST after 503: err=%v calls=%d", err, calls.Load())
	}
	calls.Store(0)
	if err := c.DoRequest(context.Background(), Request{Method: "POST", Path: c.AccountPath("x.json"), Idempotent: true}, nil); err != nil || calls.Load() != 2 {
		t.Fatalf("idempotent POST: err=%v calls=%d", err, calls.Load())
	}
	calls.Store(0)
	if err := c.Do(context.Background(), "GET", c.AccountPath("x.json"), nil, nil); err != nil || calls.Load() != 2 {
		t.Fatalf("GET: err=%v calls=%d", err, calls.Load())
	}
}

func TestNotFoundMatchesProviderSentinel(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"code":20404,"message":"The requested resource was not found","status":404}`)
	}), nil)
	err := c.Do(context.Background(), "GET", c.AccountPath("SIP/Domains/SDx.json"), nil, nil)
	if !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("errors.Is(%v, ErrNotFound) = false", err)
	}
}

func TestRetriesGiveUpAfterMax(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(429)
	}), func(o *Options) { o.MaxRetries = 2 })
	err := c.Do(context.Background(), "GET", c.AccountPath("x.json"), nil, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 429 || calls.Load() != 3 {
		t.Fatalf("err=%v calls=%d", err, calls.Load())
	}
}

func TestDebugLogRedactsSecrets(t *testing.T) {
	const pw = "Sup3rSecretPassw0rd"
	var log bytes.Buffer
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		// A server echoing secrets back must not leak them either.
		fmt.Fprintf(w, `{"sid":"CR1","username":"alice","password":%q,"auth_token":%q}`, pw, testToken)
	}), func(o *Options) { o.Debug = &log })
	form := url.Values{"Username": {"alice"}, "Password": {pw}}
	if err := c.Do(context.Background(), "POST", c.AccountPath("SIP/CredentialLists/CL1/Credentials.json"), form, nil); err != nil {
		t.Fatal(err)
	}
	got := log.String()
	for _, secret := range []string{pw, testToken, url.QueryEscape(pw)} {
		if strings.Contains(got, secret) {
			t.Fatalf("debug log leaks a secret:\n%s", got)
		}
	}
	for _, want := range []string{"> POST ", "Authorization: [REDACTED]", "Username=alice", "Password=%5BREDACTED%5D", "< HTTP/1.1 201 Created", `"username":"alice"`} {
		if !strings.Contains(got, want) {
			t.Errorf("debug log lacks %q:\n%s", want, got)
		}
	}
}

func TestUnreachableNamesHost(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	c, err := New(Options{BaseURL: addr, AccountSID: testSID, Secret: testToken, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	err = c.Do(context.Background(), "GET", c.AccountPath("x.json"), nil, nil)
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), strings.TrimPrefix(addr, "http://")) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	cases := map[string]Options{
		"plain http to a remote host": {BaseURL: "http://api.example.com", AccountSID: testSID, Secret: "x"},
		"bad scheme":                  {BaseURL: "ftp://127.0.0.1", AccountSID: testSID, Secret: "x"},
		"malformed SID":               {AccountSID: "AC123", Secret: "x"},
		"no secret":                   {AccountSID: testSID},
		"bad key SID":                 {AccountSID: testSID, Username: "XX0123456789abcdef0123456789abcdef", Secret: "x"},
	}
	for name, o := range cases {
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "https://api.twilio.com"} {
		if _, err := New(Options{BaseURL: ok, AccountSID: testSID, Secret: "x"}); err != nil {
			t.Errorf("%s rejected: %v", ok, err)
		}
	}
}

func TestTimeRoundTrip(t *testing.T) {
	var v struct {
		A Time `json:"a"`
		B Time `json:"b"`
	}
	if err := json.Unmarshal([]byte(`{"a":"Tue, 01 Mar 2022 10:00:00 +0000","b":null}`), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"a":"Tue, 01 Mar 2022 10:00:00 +0000","b":null}` {
		t.Fatalf("%s", b)
	}
}

func TestConcurrencyLimit(t *testing.T) {
	var inflight, peak atomic.Int32
	release := make(chan struct{})
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inflight.Add(-1)
		fmt.Fprint(w, `{}`)
	}), func(o *Options) { o.MaxConcurrency = 3 })
	done := make(chan error, 10)
	for range 10 {
		go func() { done <- c.Do(context.Background(), "GET", c.AccountPath("x.json"), nil, nil) }()
	}
	for inflight.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	for range 10 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if peak.Load() != 3 {
		t.Fatalf("peak in flight %d, want 3", peak.Load())
	}
}
