package apply

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/rotate/rotatetest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// BenchmarkApply measures the whole `sipctl apply` command (the built
// binary, start to exit) creating N new accounts (SIPCTL_BENCH_N, default
// 5,000) against `sandbox serve --latency 50ms --max-concurrency 100`,
// which answers 429 beyond 100 requests in flight: the bound is
// N × 50 ms / 100. The timed apply talks to the serve directly (the
// counting proxy is a hop of its own, in this process, on the same two
// cores); the listing afterwards, through the proxy, finds all N. Then a
// no-change plan over those N accounts, against the time `accounts list`
// takes to list them, both through the proxy, which proves that neither
// wrote anything. Run with -benchtime=1x (scripts/bench-apply.sh).
func BenchmarkApply(b *testing.B) {
	n := 5000
	if s := os.Getenv("SIPCTL_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const latency, limit = 50 * time.Millisecond, 100
	e := startServe(b, "--latency", latency.String(), "--max-concurrency", strconv.Itoa(limit))
	dir := b.TempDir()
	file := filepath.Join(dir, "bench.yaml")
	var m strings.Builder
	m.WriteString("domains:\n  - name: bench\n    accounts:\n")
	for i := range n {
		m.WriteString("      - u" + strconv.Itoa(100000+i) + "\n")
	}
	os.WriteFile(file, []byte(m.String()), 0o644)
	// The domain first, so the timed run is the accounts alone.
	if _, errOut, code := e.run("", "domains", "create", "bench", "--sip-registration"); code != 0 {
		b.Fatalf("domains create: %s", errOut)
	}
	for b.Loop() {
		e.env.Set("SIPCTL_API_URL", e.direct)
		start := time.Now()
		_, errOut, code := e.run("", "apply", "-f", file, "--output", filepath.Join(dir, "h.csv"))
		elapsed := time.Since(start)
		e.env.Set("SIPCTL_API_URL", e.proxied)
		if code != 0 || !strings.Contains(errOut, "Created "+strconv.Itoa(n)+", failed 0, not attempted 0") {
			b.Fatalf("apply: exit %d\n%s", code, errOut)
		}
		bound := criticalPath(applyK, n, latency, limit)
		b.ReportMetric(elapsed.Seconds(), "apply-s")
		b.ReportMetric(bound.Seconds(), "bound-s")
		b.ReportMetric(applyK, "k")
		b.ReportMetric(bound.Seconds()/elapsed.Seconds(), "ratio")
		b.ReportMetric(100*bound.Seconds()/elapsed.Seconds(), "%-of-bound")
		e.count.take()

		start = time.Now()
		_, errOut, code = e.run("", "plan", "-f", file)
		planTime := time.Since(start)
		if code != 0 {
			b.Fatalf("plan: exit %d\n%s", code, errOut)
		}
		start = time.Now()
		out, errOut, code := e.run("", "accounts", "list", "--domain", "bench")
		listTime := time.Since(start)
		if code != 0 || strings.Count(out, "\n") != n {
			b.Fatalf("accounts list: exit %d, %d lines\n%s", code, strings.Count(out, "\n"), errOut)
		}
		b.ReportMetric(planTime.Seconds(), "plan-s")
		b.ReportMetric(listTime.Seconds(), "list-s")
		if _, w, _ := e.count.take(); w != 0 {
			b.Fatalf("plan and list wrote %d times", w)
		}
	}
}

// BenchmarkApplyEngine is the same apply of N new accounts (the whole
// command) against an in-memory Twilio fake with the same 50 ms latency
// and 100-request limit, answering 429 beyond it: what sipctl reaches when
// the server's own work costs nothing (the sandbox's costs about 3 ms a
// request at 100 in flight on the 2-core machine).
func BenchmarkApplyEngine(b *testing.B) {
	n := 5000
	if s := os.Getenv("SIPCTL_BENCH_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const latency, limit = 50 * time.Millisecond, 100
	srv := rotatetest.New(b)
	srv.Latency, srv.MaxConcurrent = latency, limit
	d := srv.AddDomain("bench.sip.twilio.com")
	srv.AddList("bench-users", d)
	e := &e2e{t: b, bin: testenv.Binary(b), env: testenv.NewEnv(b).
		Set("SIPCTL_API_URL", srv.URL).Set("TWILIO_ACCOUNT_SID", rotatetest.AccountSID).Set("TWILIO_AUTH_TOKEN", rotatetest.AuthToken)}
	dir := b.TempDir()
	file := filepath.Join(dir, "bench.yaml")
	var m strings.Builder
	m.WriteString("domains:\n  - name: bench\n    accounts:\n")
	for i := range n {
		m.WriteString("      - u" + strconv.Itoa(100000+i) + "\n")
	}
	os.WriteFile(file, []byte(m.String()), 0o644)
	for b.Loop() {
		start := time.Now()
		_, errOut, code := e.run("", "apply", "-f", file, "--output", filepath.Join(dir, "h.csv"))
		elapsed := time.Since(start)
		if code != 0 || !strings.Contains(errOut, "Created "+strconv.Itoa(n)+", failed 0, not attempted 0") {
			b.Fatalf("apply: exit %d\n%s", code, errOut)
		}
		bound := time.Duration(n) * latency / limit
		b.ReportMetric(elapsed.Seconds(), "apply-s")
		b.ReportMetric(100*bound.Seconds()/elapsed.Seconds(), "%-of-bound")
		b.ReportMetric(float64(srv.Throttled.Load()), "429s")
		if got := len(srv.Credentials()); got != n {
			b.Fatalf("%d credentials at the server", got)
		}
	}
}

// applyK is the round trips a Twilio-shaped API forces one after another
// before the creates of a domain with no registration list can run (issue
// 20): the domains listed beside the credential lists, the domain's
// mappings, the list created; its attachments run beside the creates.
const applyK = 3

// criticalPath is a bulk run's bound: k × L + N × L / C, k round trips one
// after another, then N requests of latency L, C at a time.
func criticalPath(k, n int, l time.Duration, c int) time.Duration {
	return time.Duration(k)*l + time.Duration(n)*l/time.Duration(c)
}
