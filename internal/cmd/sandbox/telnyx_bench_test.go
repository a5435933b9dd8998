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

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/telnyx"
	"github.com/sipctl/sipctl/internal/testenv"
)

// BenchmarkTelnyxRotateCommand is the whole `sipctl password rotate --all`
// (the built binary, start to exit: listing, journal, every PATCH,
// handover) over N credential connections (SIPCTL_BENCH_N, default 5,000)
// on the sandbox's Telnyx face with 50 ms latency per request and a cap of
// 10 in flight (429 beyond), with --concurrency 10: the bound is
// N × 50 ms / 10 (25 s for 5,000); the goal, at least 85 % of it with no
// failure. Then `accounts list --json` with registration status of the
// 1,000 accounts of another sandbox (one check per account, 16 at once) against the bound
// 1,000 × 50 ms / 16, which a sequential listing would miss sixteenfold.
// Run with -benchtime=1x (scripts/bench-telnyx.sh).
func BenchmarkTelnyxRotateCommand(b *testing.B) {
	n := 5000
	if s := os.Getenv("SIPCTL_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const latency, limit, statusLimit, listed = 50 * time.Millisecond, 10, 16, 1000
	testenv.Binary(b) // built before the clock starts
	env := testenv.NewEnv(b)
	sb, err := sandbox.Open(filepath.Join(env.StateHome, "sipctl"))
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	seed(b, sb, n)
	slow := httptest.NewServer(sb.HandlerWith(sandbox.HandlerOptions{Latency: latency, MaxConcurrency: limit}))
	defer slow.Close()
	env.Set("TELNYX_API_KEY", sb.TelnyxAPIKey()).Set("SIPCTL_API_URL", slow.URL+sandbox.TelnyxPrefix)
	// The listing's own sandbox, of 1,000.
	listEnv := testenv.NewEnv(b)
	lsb, err := sandbox.Open(filepath.Join(listEnv.StateHome, "sipctl"))
	if err != nil {
		b.Fatal(err)
	}
	defer lsb.Close()
	seed(b, lsb, listed)
	wide := httptest.NewServer(lsb.HandlerWith(sandbox.HandlerOptions{Latency: latency, MaxConcurrency: statusLimit}))
	defer wide.Close()
	listEnv.Set("TELNYX_API_KEY", lsb.TelnyxAPIKey()).Set("SIPCTL_API_URL", wide.URL+sandbox.TelnyxPrefix)
	dir := b.TempDir()
	for b.Loop() {
		start := time.Now()
		r := sipctl(b, env, "", "password", "rotate", "--all", "--yes", "--concurrency", strconv.Itoa(limit), "--output", filepath.Join(dir, "h.csv"))
		elapsed := time.Since(start)
		if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf("Rotated %d, failed 0, not attempted 0", n)) {
			b.Fatalf("rotate: exit %d\n%s", r.code, r.stderr)
		}
		bound := time.Duration(n) * latency / limit
		b.ReportMetric(elapsed.Seconds(), "rotate-s")
		b.ReportMetric(100*bound.Seconds()/elapsed.Seconds(), "%-of-bound")

		start = time.Now()
		r = sipctl(b, listEnv, "", "accounts", "list", "--json=username,status")
		elapsed = time.Since(start)
		if r.code != 0 || strings.Count(r.stdout, `"status"`) != listed {
			b.Fatalf("accounts list: exit %d, %d statuses\n%s", r.code, strings.Count(r.stdout, `"status"`), r.stderr)
		}
		bound = time.Duration(listed) * latency / statusLimit
		b.ReportMetric(elapsed.Seconds(), "list-status-s")
		b.ReportMetric(100*bound.Seconds()/elapsed.Seconds(), "list-%-of-bound")
	}
}

// seed makes n credential connections at no latency.
func seed(b *testing.B, sb *sandbox.Sandbox, n int) {
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	c, err := telnyx.New(telnyx.Options{BaseURL: srv.URL + sandbox.TelnyxPrefix, APIKey: sb.TelnyxAPIKey(), MaxConcurrency: 16})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if _, err := c.CreateSIPAccount(context.Background(), provider.NewSIPAccount{Username: fmt.Sprintf("bench%05d", i), Password: "Bench-pass-123"}); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
}
