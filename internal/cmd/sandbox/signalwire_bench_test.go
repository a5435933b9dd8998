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
	"github.com/sipctl/sipctl/internal/providers/signalwire"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/testenv"
)

// BenchmarkSignalWireRotateCommand is the whole `sipctl password rotate
// --all` (the built binary, start to exit: listing, journal, every PUT,
// handover) over N SIP endpoints (SIPCTL_BENCH_N, default 5,000) on the
// SignalWire face of `sandbox serve --latency 50ms`, which also enforces
// SignalWire's documented limit of 13,800 writes per 10 s. --concurrency
// C = 64: the most requests in flight whose steady rate at L = 50 ms
// (C/L = 1,280/s) stays under the documented 1,380 writes/s, so a rotation
// of any size never draws a 429. The critical path is the k listing pages
// (page_size 1,000, each after the one before) and then N PUTs C at a
// time: bound = k×L + N×L/C. Goal: at least 90 % of it, no failure. Run
// with -benchtime=1x (scripts/bench-signalwire.sh).
func BenchmarkSignalWireRotateCommand(b *testing.B) {
	n := 5000
	if s := os.Getenv("SIPCTL_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const latency, conc = 50 * time.Millisecond, 64
	testenv.Binary(b) // built before the clock starts
	env := testenv.NewEnv(b)
	sb, err := sandbox.Open(filepath.Join(env.StateHome, "sipctl"))
	if err != nil {
		b.Fatal(err)
	}
	seedSignalWire(b, sb, n)
	project, token := sb.SignalWireProject()
	sb.Close()
	srv := testenv.StartServe(b, env, "--latency", latency.String())
	env.Set("SIGNALWIRE_PROJECT_ID", project).Set("SIGNALWIRE_API_TOKEN", token).
		Set("SIGNALWIRE_SPACE_URL", sandbox.SignalWireSpace+".signalwire.com").Set("SIPCTL_API_URL", srv.API)
	// The face looks one row ahead, so a full last page has no next link.
	k := max(1, (n+signalwire.MaxPageSize-1)/signalwire.MaxPageSize)
	bound := time.Duration(k)*latency + time.Duration(n)*latency/conc
	dir := b.TempDir()
	for b.Loop() {
		start := time.Now()
		r := sipctl(b, env, "", "password", "rotate", "--all", "--yes", "--concurrency", strconv.Itoa(conc), "--output", filepath.Join(dir, "h.csv"))
		elapsed := time.Since(start)
		if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf("Rotated %d, failed 0, not attempted 0", n)) {
			b.Fatalf("rotate: exit %d\n%s", r.code, r.stderr)
		}
		ratio := 100 * bound.Seconds() / elapsed.Seconds()
		fmt.Printf("signalwire rotate of %d: %.2fs; bound k×L + N×L/C = %d×%s + %d×%s/%d = %.2fs (k=%d); %.1f%% of the bound (goal 90%%)\n",
			n, elapsed.Seconds(), k, latency, n, latency, conc, bound.Seconds(), k, ratio)
		b.ReportMetric(elapsed.Seconds(), "rotate-s")
		b.ReportMetric(bound.Seconds(), "bound-s")
		b.ReportMetric(float64(k), "k")
		b.ReportMetric(ratio, "%-of-bound")
	}
}

// seedSignalWire makes n endpoints at no latency, in-process.
func seedSignalWire(b *testing.B, sb *sandbox.Sandbox, n int) {
	srv := httptest.NewServer(sb.Handler())
	defer srv.Close()
	project, token := sb.SignalWireProject()
	c, err := signalwire.New(signalwire.Options{Space: sandbox.SignalWireSpace, BaseURL: srv.URL, ProjectID: project, Token: token, MaxConcurrency: 16})
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
