package twilio

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/httpsafe"
)

// evil is a server that must never be contacted: it records every request
// with its Authorization header and body.
type evil struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string
}

func newEvil(t *testing.T, addr string) *evil {
	t.Helper()
	e := &evil{}
	e.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.seen = append(e.seen, fmt.Sprintf("%s %s auth=%q body=%q", r.Method, r.URL, r.Header.Get("Authorization"), b))
		e.mu.Unlock()
		fmt.Fprint(w, `{"domains":[],"next_page_uri":null}`)
	}))
	if addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("cannot listen on %s: %v", addr, err)
		}
		e.srv.Listener.Close()
		e.srv.Listener = l
	}
	e.srv.Start()
	t.Cleanup(e.srv.Close)
	return e
}

func (e *evil) mustBeUntouched(t *testing.T) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.seen) > 0 {
		t.Fatalf("the other origin was contacted: %v", e.seen)
	}
}

func hostPort(raw string) string {
	u, _ := url.Parse(raw)
	return u.Host
}

func listDomains(c *Client) error {
	for _, err := range List[map[string]any](context.Background(), c, c.AccountPath("SIP/Domains.json"), nil, "domains") {
		if err != nil {
			return err
		}
	}
	return nil
}

func pageServer(t *testing.T, next func(base string) string) (*Client, *httptest.Server) {
	t.Helper()
	var srv *httptest.Server
	var calls atomic.Int32
	c, srv := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) > 1 {
			fmt.Fprint(w, `{"domains":[],"next_page_uri":null}`)
			return
		}
		fmt.Fprintf(w, `{"domains":[{"sid":"SD%032d"}],"next_page_uri":%q}`, 1, next(srv.URL))
	}), nil)
	return c, srv
}

func TestPageLinksMustStayOnTheOrigin(t *testing.T) {
	other := newEvil(t, "127.0.0.2:0")
	otherPort := newEvil(t, "")
	cases := []struct {
		name string
		link func(base string) string
		ev   *evil
	}{
		{"absolute other host", func(string) string { return other.srv.URL + "/2010-04-01/stolen" }, other},
		{"scheme-relative other host", func(string) string { return "//" + hostPort(other.srv.URL) + "/2010-04-01/stolen" }, other},
		{"same host other port", func(string) string { return otherPort.srv.URL + "/2010-04-01/stolen" }, otherPort},
		{"scheme-relative other port", func(string) string { return "//" + hostPort(otherPort.srv.URL) + "/x" }, otherPort},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := pageServer(t, tc.link)
			err := listDomains(c)
			var off *httpsafe.OffOriginError
			if !errors.As(err, &off) {
				t.Fatalf("err = %v, want an off-origin error", err)
			}
			if !strings.Contains(err.Error(), hostPort(tc.ev.srv.URL)) {
				t.Errorf("error %q does not name the host %s", err, hostPort(tc.ev.srv.URL))
			}
			tc.ev.mustBeUntouched(t)
		})
	}
}

func TestSameOriginAbsolutePageLinkIsFollowed(t *testing.T) {
	c, _ := pageServer(t, func(base string) string { return base + "/2010-04-01/Accounts/" + testSID + "/SIP/Domains.json?Page=1" })
	if err := listDomains(c); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPSPageLinkToPlainHTTPIsRefused(t *testing.T) {
	plain := newEvil(t, "")
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"domains":[],"next_page_uri":"http://%s/2010-04-01/x"}`, hostPort(plain.srv.URL))
	}))
	t.Cleanup(srv.Close)
	c, err := New(Options{BaseURL: srv.URL, AccountSID: testSID, Secret: testToken, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	err = listDomains(c)
	var off *httpsafe.OffOriginError
	if !errors.As(err, &off) || !strings.Contains(err.Error(), "http://") {
		t.Fatalf("err = %v, want an off-origin error naming http://", err)
	}
	plain.mustBeUntouched(t)

	// And the scheme alone: https://host:p → http://host:p.
	srv2 := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"domains":[],"next_page_uri":"http://%s/2010-04-01/x"}`, r.Host)
	}))
	t.Cleanup(srv2.Close)
	c2, _ := New(Options{BaseURL: srv2.URL, AccountSID: testSID, Secret: testToken, HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}})
	if err := listDomains(c2); !errors.As(err, &off) {
		t.Fatalf("https→http on the same host:port: err = %v, want off-origin", err)
	}
}

func TestRedirectsToAnotherOriginAreNotFollowed(t *testing.T) {
	other := newEvil(t, "127.0.0.2:0")
	otherPort := newEvil(t, "")
	for _, code := range []int{302, 307, 308} {
		for _, target := range []*evil{other, otherPort} {
			t.Run(fmt.Sprintf("%d to %s", code, hostPort(target.srv.URL)), func(t *testing.T) {
				c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target.srv.URL+r.URL.Path, code)
				}), nil)
				form := url.Values{"Password": {"Secret-Passw0rd!"}, "Username": {"alice"}}
				err := c.DoRequest(context.Background(), Request{Method: "POST", Path: c.AccountPath("SIP/CredentialLists/CL1/Credentials/CR1.json"), Form: form, Idempotent: true}, nil)
				var off *httpsafe.OffOriginError
				if !errors.As(err, &off) || off.What != "redirect" {
					t.Fatalf("err = %v, want a refused redirect", err)
				}
				if !strings.Contains(err.Error(), hostPort(target.srv.URL)) {
					t.Errorf("error %q does not name %s", err, hostPort(target.srv.URL))
				}
				target.mustBeUntouched(t)
			})
		}
	}
}

func TestRedirectWithinTheOriginIsFollowed(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			checkAuth(t, r)
			fmt.Fprint(w, `{"sid":"SD1"}`)
			return
		}
		http.Redirect(w, r, "/moved", http.StatusFound)
	}), nil)
	var out struct{ SID string }
	if err := c.Do(context.Background(), "GET", "/start", nil, &out); err != nil || out.SID != "SD1" {
		t.Fatalf("err %v, out %+v", err, out)
	}
}

func TestRepeatedOrCyclicPageLinksStop(t *testing.T) {
	path := "/2010-04-01/Accounts/" + testSID + "/SIP/Domains.json"
	for name, next := range map[string]func(page string) string{
		"repeats itself": func(page string) string { return path + "?Page=" + page },
		"cycles 1→2→1": func(page string) string {
			return map[string]string{"": path + "?Page=1", "1": path + "?Page=2", "2": path + "?Page=1"}[page]
		},
		"back to page 0": func(page string) string { return path + "?PageSize=1000" },
	} {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) > 50 {
					t.Errorf("still paging after 50 requests")
					fmt.Fprint(w, `{"domains":[],"next_page_uri":null}`)
					return
				}
				p := r.URL.Query().Get("Page")
				if name == "repeats itself" && p == "" {
					p = "0"
				}
				fmt.Fprintf(w, `{"domains":[{"sid":"SD%032s"}],"next_page_uri":%q}`, strings.Repeat("0", 32-len(p))+p, next(p))
			}), nil)
			err := listDomains(c)
			// Stopped by the repeated link, or earlier by a page of nothing new.
			if !errors.Is(err, httpsafe.ErrPagination) || !strings.Contains(err.Error(), "already returned") && !strings.Contains(err.Error(), "no items that earlier pages had not") {
				t.Fatalf("err = %v, want a pagination loop error", err)
			}
			if n := calls.Load(); n > 3 {
				t.Errorf("%d requests before stopping", n)
			}
		})
	}
}

func TestHugeRetryAfterFailsTheRequestAsTemporary(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "100000")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"code":20429,"message":"Too Many Requests","status":429}`)
	}), nil)
	slept := false
	c.sleep = func(context.Context, time.Duration) error { slept = true; return nil }
	err := c.Do(context.Background(), "POST", c.AccountPath("SIP/Domains.json"), url.Values{"DomainName": {"x"}}, nil)
	var ra *httpsafe.RetryAfterError
	if !errors.As(err, &ra) || ra.Wait != 100000*time.Second {
		t.Fatalf("err = %v, want a RetryAfterError of 100000s", err)
	}
	var tmp interface{ Temporary() bool }
	if !errors.As(err, &tmp) || !tmp.Temporary() {
		t.Errorf("error is not temporary: %v", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 429 {
		t.Errorf("the 429 is not kept: %v", err)
	}
	if slept || calls.Load() != 1 {
		t.Errorf("slept=%v after %d requests; want no wait and one request", slept, calls.Load())
	}
}

func TestRetryAfterWithinTheCapIsWaitedAndAnnounced(t *testing.T) {
	var calls atomic.Int32
	var waits []time.Duration
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "45")
			w.WriteHeader(429)
			return
		}
		fmt.Fprint(w, `{}`)
	}), func(o *Options) {
		o.OnWait = func(d time.Duration, err error) { waits = append(waits, d) }
	})
	var slept []time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	if err := c.Do(context.Background(), "GET", c.AccountPath("SIP/Domains.json"), nil, nil); err != nil {
		t.Fatal(err)
	}
	if len(slept) != 1 || slept[0] != 45*time.Second || len(waits) != 1 || waits[0] != 45*time.Second {
		t.Fatalf("slept %v, announced %v; want 45s each", slept, waits)
	}
}

func TestHungAPIAndSlowBodyAreNoAnswer(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	for name, h := range map[string]http.HandlerFunc{
		"hung": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
		"slow body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(200)
			io.WriteString(w, `{"domains":[`)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-release:
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, srv := newTestClient(t, h, func(o *Options) { o.RequestTimeout = 200 * time.Millisecond })
			err := listDomains(c)
			var u *UnreachableError
			if !errors.As(err, &u) || !u.NoAnswer() {
				t.Fatalf("err = %v, want no answer", err)
			}
			if want := "no answer from " + hostPort(srv.URL); !strings.Contains(err.Error(), want) {
				t.Errorf("err %q lacks %q", err, want)
			}
		})
	}
}

func TestRequestPathsCannotLeaveTheOrigin(t *testing.T) {
	other := newEvil(t, "127.0.0.2:0")
	c, _ := newTestClient(t, http.NotFoundHandler(), nil)
	for _, p := range []string{other.srv.URL + "/x", "//" + hostPort(other.srv.URL) + "/x", "http://user@" + hostPort(other.srv.URL) + "/x"} {
		err := c.Do(context.Background(), "GET", p, nil, nil)
		var off *httpsafe.OffOriginError
		if !errors.As(err, &off) {
			t.Errorf("Do(%q) = %v, want off-origin", p, err)
		}
	}
	other.mustBeUntouched(t)
}
