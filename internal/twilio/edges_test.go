package twilio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/httpapi"
	"github.com/sipctl/sipctl/internal/httpsafe"
	"github.com/sipctl/sipctl/internal/provider"
)

// storm answers every request 429 with Retry-After: 1.
func storm(calls *atomic.Int32, onRequest func()) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if onRequest != nil {
			onRequest()
		}
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"code":20429,"message":"Too Many Requests","status":429}`)
	})
}

// TestA429StormIsBoundedInTime: with a generous count, the time bound ends
// the retries (the waits are counted as granted, not slept here).
func TestA429StormIsBoundedInTime(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, storm(&calls, nil), func(o *Options) { o.MaxRetries = 1000; o.MaxRetryTime = 5 * time.Second })
	var waited time.Duration
	c.sleep = func(_ context.Context, d time.Duration) error { waited += d; return nil }
	err := c.Do(context.Background(), "POST", c.AccountPath("SIP/Domains.json"), url.Values{"DomainName": {"x"}}, nil)
	if provider.ErrorCode(err) != provider.RateLimited {
		t.Fatalf("err = %v (%v), want rate limited", err, provider.ErrorCode(err))
	}
	if n := calls.Load(); n > 6 || waited > 5*time.Second {
		t.Errorf("%d requests and %s of waits, want at most 6 within the 5s budget", n, waited)
	}
}

// TestOneBudgetPerWrite: a caller's budget in the context is shared by the
// client's retries of every request made under it.
func TestOneBudgetPerWrite(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, storm(&calls, nil), func(o *Options) { o.MaxRetries = 4 })
	ctx := provider.WithRetryBudget(context.Background(), provider.NewRetryBudget(3, time.Minute))
	for range 3 {
		c.Do(ctx, "POST", c.AccountPath("SIP/Domains.json"), url.Values{"DomainName": {"x"}}, nil)
	}
	// Three calls, one budget of three retries: 3 first attempts + 3 retries.
	if n := calls.Load(); n != 6 {
		t.Errorf("%d requests, want 6 (3 attempts and the budget's 3 retries)", n)
	}
}

// TestCancelStopsRetriesAtOnce: no request starts after the context ends,
// whether it ends during a request, during the wait, or just after it.
func TestCancelStopsRetriesAtOnce(t *testing.T) {
	for _, when := range []string{"during the request", "during the wait", "right after the wait"} {
		t.Run(when, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var calls, after atomic.Int32
			var cancelled atomic.Bool
			c, _ := newTestClient(t, storm(&calls, func() {
				if cancelled.Load() {
					after.Add(1)
				}
				if when == "during the request" {
					cancelled.Store(true)
					cancel()
				}
			}), nil)
			c.sleep = func(ctx context.Context, d time.Duration) error {
				switch when {
				case "during the wait":
					cancelled.Store(true)
					cancel()
					return httpapi.Sleep(ctx, time.Hour)
				case "right after the wait":
					cancelled.Store(true)
					cancel()
					return nil
				}
				return httpapi.Sleep(ctx, d)
			}
			err := c.Do(ctx, "POST", c.AccountPath("SIP/Domains.json"), url.Values{"DomainName": {"x"}}, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if n := after.Load(); n != 0 || calls.Load() != 1 {
				t.Errorf("%d requests, %d of them after the cancel; want 1 and none", calls.Load(), n)
			}
		})
	}
}

func TestAnOversizedAnswerSaysSo(t *testing.T) {
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"domains":[],"x":"`)
		chunk := strings.Repeat("a", 1<<20)
		for range httpapi.MaxAnswer>>20 + 1 {
			if _, err := fmt.Fprint(w, chunk); err != nil {
				return
			}
		}
		fmt.Fprint(w, `"}`)
	}), nil)
	err := listDomains(c)
	var tl *httpapi.TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "larger than 64 MiB") || strings.Contains(err.Error(), "unexpected end of JSON") {
		t.Fatalf("err = %v, want an answer-too-large error", err)
	}
}

// TestListingStopsWhenPagesBringNothingNew: a server handing out fresh page
// links to the same items is stopped at the second page, not the 10,000th.
func TestListingStopsWhenPagesBringNothingNew(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		fmt.Fprintf(w, `{"domains":[{"sid":"SD%032d"}],"next_page_uri":"/2010-04-01/Accounts/%s/SIP/Domains.json?Page=%d&PageToken=PA%d"}`, 1, testSID, n, n)
	}), nil)
	err := listDomains(c)
	if !errors.Is(err, httpsafe.ErrPagination) || !strings.Contains(err.Error(), "no items that earlier pages had not") {
		t.Fatalf("err = %v, want a pagination error", err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	// An empty page with a next link ends the listing quietly.
	calls.Store(0)
	c2, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		items := ""
		if n == 1 {
			items = fmt.Sprintf(`{"sid":"SD%032d"}`, 1)
		}
		fmt.Fprintf(w, `{"domains":[%s],"next_page_uri":"/2010-04-01/Accounts/%s/SIP/Domains.json?Page=%d"}`, items, testSID, n)
	}), nil)
	if err := listDomains(c2); err != nil || calls.Load() != 2 {
		t.Errorf("empty page: err = %v after %d requests, want nil after 2", err, calls.Load())
	}
}

func TestErrorsMapToNeutralClasses(t *testing.T) {
	for _, tc := range []struct {
		err  *APIError
		code provider.Code
	}{
		{&APIError{Status: 401, Code: 20003}, provider.Auth},
		{&APIError{Status: 404, Code: 20404}, provider.NotFound},
		{&APIError{Status: 429, Code: 20429}, provider.RateLimited},
		{&APIError{Status: 409}, provider.Exists},
		{&APIError{Status: 400, Code: 21232}, provider.Invalid},
		{&APIError{Status: 500}, provider.Unknown},
	} {
		if got := provider.ErrorCode(fmt.Errorf("doing: %w", tc.err)); got != tc.code {
			t.Errorf("%v: %v, want %v", tc.err, got, tc.code)
		}
	}
	if h := provider.Hint(&APIError{Status: 400, Code: 21232}); !strings.Contains(h, "pick a name nobody else has") {
		t.Errorf("hint %q", h)
	}
}

func TestAnAccountThatIsNotASIDNeverReachesAPath(t *testing.T) {
	var calls atomic.Int32
	c, _ := newTestClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, `{"domains":[],"next_page_uri":null}`)
	}), nil)
	sub := c.ForAccount("AC/../../../x")
	err := listDomains(sub)
	var bad *InvalidIDError
	if !errors.As(err, &bad) || calls.Load() != 0 || provider.ErrorCode(err) != provider.Invalid {
		t.Fatalf("err = %v after %d requests, want an invalid ID refused before any", err, calls.Load())
	}
}
