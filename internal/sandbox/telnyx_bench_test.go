package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/telnyx"
)

// BenchmarkTelnyxRotate5000 rotates 5,000 credential connections through
// the Telnyx face over loopback HTTP with 50 ms latency per request and a
// concurrency cap of 10 (the client's bound, and the face's: 429 beyond):
// list every connection, then set a generated password on each, cap at a
// time. The bound is N × latency / cap = 25 s; "efficiency" is that bound
// over the measured time, listing included (goal ≥ 85 %).
func BenchmarkTelnyxRotate5000(b *testing.B) {
	const (
		n       = 5000
		latency = 50 * time.Millisecond
		cap     = 10
	)
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	seed := telnyxBenchClient(b, s, s.Handler(), 16)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := seed.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: fmt.Sprintf("bench%05d", i), Password: "Bench-pass-123"}); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	policy, _ := password.Builtin("telnyx")

	srv := httptest.NewServer(s.HandlerWith(HandlerOptions{Latency: latency, MaxConcurrency: cap}))
	defer srv.Close()
	c, err := telnyx.New(telnyx.Options{BaseURL: srv.URL + TelnyxPrefix, APIKey: s.TelnyxAPIKey(), MaxConcurrency: cap,
		HTTPClient: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cap}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		var failed, throttled atomic.Int64
		tctx := provider.WithThrottleObserver(ctx, func() { throttled.Add(1) })
		var accounts []provider.SIPAccount
		for a, err := range c.ListSIPAccounts(tctx, provider.AccountQuery{}) {
			if err != nil {
				b.Fatal(err)
			}
			accounts = append(accounts, a)
		}
		if len(accounts) != n {
			b.Fatalf("listed %d", len(accounts))
		}
		listed := time.Since(start)
		work := make(chan provider.SIPAccount)
		var wg sync.WaitGroup
		for range cap {
			wg.Go(func() {
				for a := range work {
					pw, err := policy.Generate()
					if err == nil {
						err = c.SetSIPPassword(tctx, a, pw)
					}
					if err != nil {
						failed.Add(1)
					}
				}
			})
		}
		for _, a := range accounts {
			work <- a
		}
		close(work)
		wg.Wait()
		elapsed := time.Since(start)
		if failed.Load() != 0 {
			b.Fatalf("%d rotations failed", failed.Load())
		}
		bound := time.Duration(n) * latency / cap
		b.ReportMetric(elapsed.Seconds(), "s/rotation")
		b.ReportMetric(100*bound.Seconds()/elapsed.Seconds(), "%efficiency")
		b.ReportMetric(float64(throttled.Load()), "429s")
		b.ReportMetric(listed.Seconds(), "s/listing")
	}
}

func telnyxBenchClient(b *testing.B, s *Sandbox, h http.Handler, conc int) *telnyx.Client {
	b.Helper()
	c, err := telnyx.New(telnyx.Options{BaseURL: "http://localhost" + TelnyxPrefix, APIKey: s.TelnyxAPIKey(),
		HTTPClient: &http.Client{Transport: &roundTripper{h: h}}, MaxConcurrency: conc})
	if err != nil {
		b.Fatal(err)
	}
	return c
}
