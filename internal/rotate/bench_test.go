package rotate

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/rotate/rotatetest"
	"github.com/sipctl/sipctl/internal/twilio"
)

// BenchmarkRotateThroughput rotates b.N credentials against a provider with
// 50 ms latency that allows 100 requests at once and answers 429 beyond:
// at most 2,000 operations per second. Run it with a fixed count, e.g.
// -benchtime=4000x (scripts/bench-rotate.sh). "default-client" is the CLI's
// own client (which caps itself at 100 in flight); "client-cap-400" allows
// the engine 400 in flight, so its 429 back-off is what keeps it in bounds.
func BenchmarkRotateThroughput(b *testing.B) {
	for _, clientCap := range []int{0, 400} {
		name := "default-client"
		if clientCap > 0 {
			name = fmt.Sprintf("client-cap-%d", clientCap)
		}
		b.Run(name, func(b *testing.B) {
			s := rotatetest.New(b)
			s.Latency = 50 * time.Millisecond
			s.MaxConcurrent = 100
			dom := s.AddDomain("bench.sip.twilio.com")
			list := s.AddList("bench", dom)
			var es []journal.Entry
			for i := range b.N {
				u := fmt.Sprintf("u%06d", i)
				sid := s.AddCredential(list, u, "OldPassword1")
				es = append(es, journal.Entry{Op: journal.OpRotate, AccountSID: rotatetest.AccountSID, CredentialListSID: list, Ref: list + "/" + sid,
					CredentialSID: sid, Username: u, Password: fmt.Sprintf("NewPassword%06d", i)})
			}
			j, err := journal.Create(b.TempDir(), journal.Header{}, es)
			if err != nil {
				b.Fatal(err)
			}
			defer j.Close()
			c := s.Client(b, twilio.Options{MaxConcurrency: clientCap})
			b.ResetTimer()
			start := time.Now()
			sum := Run(context.Background(), setter(c), j, nil, Options{Concurrency: max(clientCap, DefaultConcurrency)})
			elapsed := time.Since(start)
			b.StopTimer()
			if len(sum.Failed) != 0 || len(sum.Rotated) != b.N {
				b.Fatalf("rotated %d of %d, %d failed: %v", len(sum.Rotated), b.N, len(sum.Failed), sum.Failed[0].Err)
			}
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
			b.ReportMetric(float64(s.Throttled.Load()), "429s")
		})
	}
}
