package sandbox_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/providers/plivo"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/testenv"
)

// BenchmarkPlivoRotateCommand is the whole `sipctl password rotate --all`
// (the built binary, start to exit: listing, journal, every update,
// handover) over N Plivo endpoints (SIPCTL_BENCH_N, default 5,000) on the
// sandbox's Plivo face with 50 ms latency per request and Plivo's
// documented rate limit, 300 requests per 5 seconds (429 beyond).
//
// The critical-path bound is k×L + N×L/C: k = ⌈N/20⌉ listing pages, one
// after another (Plivo's pages hold at most 20); then N updates, of which
// the rate limit R = 60/s lets C = R×L = 3 be in flight on average. For
// 5,000: 250 × 50 ms + 5,000 × 50 ms / 3 = 95.8 s. The goal is at least
// 90 % of it with no failure. Run with -benchtime=1x (scripts/bench-plivo.sh).
func BenchmarkPlivoRotateCommand(b *testing.B) {
	n := 5000
	if s := os.Getenv("SIPCTL_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const latency = 50 * time.Millisecond
	rate := float64(plivo.RateLimitRequests) / plivo.RateLimitWindow.Seconds()
	testenv.Binary(b) // built before the clock starts
	env := testenv.NewEnv(b)
	sb, err := sandbox.Open(filepath.Join(env.StateHome, "sipctl"))
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	seedPlivo(b, sb, n)
	slow := httptest.NewServer(sb.HandlerWith(sandbox.HandlerOptions{Latency: latency, PlivoRateLimit: true}))
	defer slow.Close()
	env.Set("PLIVO_AUTH_ID", sb.PlivoAuthID()).Set("PLIVO_AUTH_TOKEN", sb.PlivoAuthToken()).Set("SIPCTL_API_URL", slow.URL)
	dir := b.TempDir()
	k := (n + plivo.MaxPageSize - 1) / plivo.MaxPageSize
	c := rate * latency.Seconds()
	bound := time.Duration(float64(k)*float64(latency) + float64(n)*float64(latency)/c)
	for b.Loop() {
		start := time.Now()
		r := sipctl(b, env, "", "password", "rotate", "--all", "--yes", "--concurrency", "10", "--output", filepath.Join(dir, "h.csv"))
		elapsed := time.Since(start)
		if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf("Rotated %d, failed 0, not attempted 0", n)) {
			b.Fatalf("rotate: exit %d\n%s", r.code, r.stderr)
		}
		b.ReportMetric(elapsed.Seconds(), "rotate-s")
		b.ReportMetric(bound.Seconds(), "bound-s")
		b.ReportMetric(float64(k), "k")
		b.ReportMetric(100*bound.Seconds()/elapsed.Seconds(), "%-of-bound")
	}
}

// seedPlivo makes n endpoints through the face in process, unpaced, with
// one listing for all of them (the BatchCreator).
func seedPlivo(b *testing.B, sb *sandbox.Sandbox, n int) {
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	c, err := plivo.New(plivo.Options{BaseURL: srv.URL, AuthID: sb.PlivoAuthID(), AuthToken: sb.PlivoAuthToken(), MaxConcurrency: 16, RatePerSecond: -1})
	if err != nil {
		b.Fatal(err)
	}
	create, err := c.PrepareCreate(context.Background(), "", nil)
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := create(context.Background(), fmt.Sprintf("bench%05d", i), "Bench-pass-123"); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
}
