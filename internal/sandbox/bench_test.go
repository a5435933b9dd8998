package sandbox

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/sipctl/sipctl/internal/provider"
)

// In-process cost of the calls `accounts create` and `domains list` make.

func BenchmarkCreateCredential(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := benchClient(b, s)
	ctx := context.Background()
	for i := range 5 {
		name := fmt.Sprintf("bench%d.sip.twilio.com", i)
		if _, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: &name}); err != nil {
			b.Fatal(err)
		}
	}
	l, err := c.CreateCredentialList(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := c.CreateCredential(ctx, l.SID, fmt.Sprintf("u%d", i), "Bench-Password-123x"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListDomains(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := benchClient(b, s)
	ctx := context.Background()
	for i := range 200 {
		name := fmt.Sprintf("list%d.sip.twilio.com", i)
		if _, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: &name}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		n := 0
		for _, err := range c.ListDomains(ctx) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 200 {
			b.Fatalf("listed %d", n)
		}
	}
}

// BenchmarkCreateCredentialParallel is CreateCredential from 100 concurrent
// clients, as a bulk create sends them: the writes share group commits.
func BenchmarkCreateCredentialParallel(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := benchClient(b, s)
	ctx := context.Background()
	name := "bench.sip.twilio.com"
	if _, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: &name}); err != nil {
		b.Fatal(err)
	}
	l, err := c.CreateCredentialList(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(50) // × GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.CreateCredential(ctx, l.SID, fmt.Sprintf("u%d", n.Add(1)), "Bench-Password-123x"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "creates/s")
}
