package providertest

import (
	"context"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
)

// What the providers' benchmarks share (scripts/bench-*.sh).

// RotateAll is `password rotate` for every account of domain: list,
// generate with the provider's default policy, journal (fsync'd before any
// change), apply with the rotation engine through SetSIPPassword, write the
// handover file (0600) in dir. It returns how many were rotated.
func RotateAll(tb testing.TB, p provider.SIPAccounts, domain, dir string) int {
	tb.Helper()
	ctx := context.Background()
	pol, err := password.Builtin(password.DefaultFor(p.Name()))
	if err != nil {
		tb.Fatal(err)
	}
	var es []journal.Entry
	for a, err := range p.ListSIPAccounts(ctx, provider.AccountQuery{Domain: domain}) {
		if err != nil {
			tb.Fatal(err)
		}
		pw, err := pol.Generate()
		if err != nil {
			tb.Fatal(err)
		}
		es = append(es, journal.Entry{Op: journal.OpRotate, Provider: p.Name(), Ref: a.Ref,
			Username: a.Username, Domain: a.Domain, Password: pw})
	}
	j, err := journal.Create(dir, journal.Header{Provider: p.Name()}, es)
	if err != nil {
		tb.Fatal(err)
	}
	defer j.Close()
	apply := func(ctx context.Context, e journal.Entry) (string, error) {
		return e.Ref, p.SetSIPPassword(ctx, provider.SIPAccount{Ref: e.Ref, Username: e.Username, Domain: e.Domain}, e.Password)
	}
	sum := rotate.Run(ctx, apply, j, nil, rotate.Options{})
	if !sum.OK() {
		tb.Fatalf("%d failed: %v", len(sum.Failed), sum.Failed[0].Err)
	}
	if err := rotate.WriteHandover(filepath.Join(dir, "handover.json"), rotate.Records(j.Entries())); err != nil {
		tb.Fatal(err)
	}
	return len(sum.Rotated)
}

// PeakHeap samples HeapInuse every millisecond until the returned function
// is called, which returns the peak in bytes.
func PeakHeap() func() uint64 {
	runtime.GC()
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}
