package rotate

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/cmdutil"
	"github.com/sipctl/sipctl/internal/iostreams"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate/rotatetest"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/twilio"
)

// BenchmarkAllSubaccounts is `password rotate --all-subaccounts` (the whole
// run: listing the subaccounts and their accounts, journal, rotation,
// handovers) against the sandbox with 50 ms latency and 100 requests in
// progress at most (429 beyond). The bound is N × 50 ms / 100: the time the
// N password sets alone take at the provider's limit. Run it with
// -benchtime=1x (scripts/bench-rotate.sh).
func BenchmarkAllSubaccounts(b *testing.B) {
	for _, shape := range []struct{ subs, per int }{{20, 50}, {20, 250}} {
		b.Run(fmt.Sprintf("%dx%d", shape.subs, shape.per), func(b *testing.B) {
			sb, err := sandbox.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			defer sb.Close()
			sid, tok := sb.Account()
			client := func(rt http.RoundTripper) *twilio.Client {
				c, err := twilio.New(twilio.Options{BaseURL: "http://localhost", AccountSID: sid, Secret: tok,
					HTTPClient: &http.Client{Transport: rt}, ProviderName: "sandbox"})
				if err != nil {
					b.Fatal(err)
				}
				return c
			}
			seed := client(sb.RoundTripper())
			ctx := context.Background()
			for i := range shape.subs {
				a, err := seed.CreateSubaccount(ctx, fmt.Sprintf("Customer %02d", i))
				if err != nil {
					b.Fatal(err)
				}
				sub := seed.WithAccount(a.SID).(provider.Provider)
				name, on := fmt.Sprintf("bench%02d.sip.twilio.com", i), true
				d, err := sub.CreateDomain(ctx, provider.DomainParams{DomainName: &name, SIPRegistration: &on})
				if err != nil {
					b.Fatal(err)
				}
				l, err := sub.CreateCredentialList(ctx, "phones")
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sub.AttachCredentialList(ctx, d.SID, provider.ForRegistrations, l.SID); err != nil {
					b.Fatal(err)
				}
				for u := range shape.per {
					if _, err := sub.CreateCredential(ctx, l.SID, fmt.Sprintf("ext%04d", u), "Old-Password-2024x"); err != nil {
						b.Fatal(err)
					}
				}
			}
			p := client(sb.RoundTripperWith(sandbox.HandlerOptions{Latency: benchLatency, MaxConcurrency: benchCap}))
			benchAcross(b, p, shape.subs*shape.per, nil)
		})
	}
}

// BenchmarkAllSubaccountsEngine is the same run against an in-memory
// Twilio fake with the same latency and limit (429 beyond it): what sipctl
// reaches when the server's writes cost nothing (the sandbox serializes
// its SQLite writes, which on the loaded 2-core machine is the ceiling of
// BenchmarkAllSubaccounts).
func BenchmarkAllSubaccountsEngine(b *testing.B) {
	for _, shape := range []struct{ subs, per int }{{20, 50}, {20, 250}} {
		b.Run(fmt.Sprintf("%dx%d", shape.subs, shape.per), func(b *testing.B) {
			s := rotatetest.New(b)
			s.Latency, s.MaxConcurrent = benchLatency, benchCap
			for i := range shape.subs {
				acct := s.AddSubaccount(fmt.Sprintf("Customer %02d", i), "active")
				d := s.AddDomainIn(acct, fmt.Sprintf("bench%02d.sip.twilio.com", i))
				l := s.AddListIn(acct, "phones", d)
				for u := range shape.per {
					s.AddCredential(l, fmt.Sprintf("ext%04d", u), "OldPassword1")
				}
			}
			benchAcross(b, s.Client(b, twilio.Options{}), shape.subs*shape.per, &s.Throttled)
		})
	}
}

const benchLatency, benchCap = 50 * time.Millisecond, 100

// benchAcross times whole --all-subaccounts runs over n accounts and
// reports them against the bound n × latency / cap.
func benchAcross(b *testing.B, p provider.SIPAccounts, n int, throttled *atomic.Int64) {
	// k = 3: the subaccounts listed, then each one's domains beside its
	// credential lists, then their credentials; the sets follow.
	const k = 3
	bound := k*benchLatency + time.Duration(n)*benchLatency/benchCap
	ctx := context.Background()
	b.ResetTimer()
	var total time.Duration
	for range b.N {
		ios, _, _, stderr := iostreams.Test()
		dir := b.TempDir()
		opts := &RotateOptions{IO: ios, Exporter: &cmdutil.Exporter{}, Provider: func() (provider.SIPAccounts, error) { return p, nil },
			StateDir: func() string { return dir }, AllSubaccounts: true, OutputDir: filepath.Join(dir, "out"), OutputFormat: "csv",
			Yes: true, Concurrency: benchCap, AuditLog: filepath.Join(dir, "audit.log")}
		start := time.Now()
		if err := rotateRun(ctx, opts); err != nil {
			b.Fatalf("%v\n%s", err, stderr)
		}
		total += time.Since(start)
		if !strings.Contains(stderr.String(), fmt.Sprintf("Rotated %d, failed 0, not attempted 0", n)) {
			b.Fatalf("summary:\n%s", stderr)
		}
	}
	b.StopTimer()
	per := total / time.Duration(b.N)
	b.ReportMetric(per.Seconds(), "run-s")
	b.ReportMetric(bound.Seconds(), "bound-s")
	b.ReportMetric(k, "k")
	b.ReportMetric(bound.Seconds()/per.Seconds(), "ratio")
	b.ReportMetric(100*bound.Seconds()/per.Seconds(), "%-of-bound")
	if throttled != nil {
		b.ReportMetric(float64(throttled.Load()), "429s")
	}
}
