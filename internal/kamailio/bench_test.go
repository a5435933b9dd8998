package kamailio_test

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/rotate"
)

// Run with -benchtime=1x (scripts/bench-kamailio.sh): each benchmark does
// its whole measurement once.

const benchDomain = "bench.example.test"

// seed inserts n subscribers in one transaction.
func seed(b *testing.B, raw *sql.DB, dialect kamailio.Dialect, n int) {
	b.Helper()
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	q := "INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES (?, ?, ?, ?)"
	if dialect == kamailio.Postgres {
		q = "INSERT INTO subscriber (username, domain, ha1, ha1b) VALUES ($1, $2, $3, $4)"
	}
	stmt, err := tx.Prepare(q)
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		u := fmt.Sprintf("u%06d", i)
		if _, err := stmt.Exec(u, benchDomain, kamailio.HA1(u, benchDomain, "old"), kamailio.HA1B(u, benchDomain, benchDomain, "old")); err != nil {
			b.Fatal(err)
		}
	}
	stmt.Close()
	if _, err := tx.Exec(map[kamailio.Dialect]string{
		kamailio.SQLite:   "INSERT INTO domain (domain) VALUES ('" + benchDomain + "')",
		kamailio.Postgres: "INSERT INTO domain (domain) VALUES ('" + benchDomain + "')",
	}[dialect]); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// applier sets a journaled password through the neutral interface, as the
// rotation engine does for any provider.
func applier(c *kamailio.Client) rotate.Applier {
	return func(ctx context.Context, e journal.Entry) (string, error) {
		return e.Ref, c.SetSIPPassword(ctx, provider.SIPAccount{Ref: e.Ref, Username: e.Username, Domain: e.Domain}, e.Password)
	}
}

// rotateAll is `password rotate` for every subscriber of the domain: list,
// generate, journal (fsync'd before any change), apply with the engine,
// write the handover file (0600).
func rotateAll(b *testing.B, c *kamailio.Client, dir string) int {
	b.Helper()
	ctx := context.Background()
	pol, err := password.Builtin(password.DefaultFor(kamailio.Name))
	if err != nil {
		b.Fatal(err)
	}
	var es []journal.Entry
	for a, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: benchDomain}) {
		if err != nil {
			b.Fatal(err)
		}
		pw, err := pol.Generate()
		if err != nil {
			b.Fatal(err)
		}
		es = append(es, journal.Entry{Op: journal.OpRotate, Provider: kamailio.Name, Ref: a.Ref,
			Username: a.Username, Domain: a.Domain, Password: pw})
	}
	j, err := journal.Create(dir, journal.Header{Provider: kamailio.Name}, es)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	sum := rotate.Run(ctx, applier(c), j, nil, rotate.Options{})
	if !sum.OK() {
		b.Fatalf("%d failed: %v", len(sum.Failed), sum.Failed[0].Err)
	}
	if err := rotate.WriteHandover(filepath.Join(dir, "handover.json"), rotate.Records(j.Entries())); err != nil {
		b.Fatal(err)
	}
	return len(sum.Rotated)
}

var kamcliRate atomic.Value // float64, measured once per process

// BenchmarkRotate rotates 10,000 subscribers with journal and handover on
// SQLite and PostgreSQL, and a loop of `kamcli subscriber passwd` over 200
// on PostgreSQL (kamcli 2.0's SQL does not run on SQLite), and reports
// rotations per second and the ratio.
func BenchmarkRotate(b *testing.B) {
	const n, kamcliN = 10000, 200
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			var db *kamailiotest.DB
			if name == "sqlite" {
				db = kamailiotest.SQLite(b)
			} else {
				db = kamailiotest.Postgres(b)
			}
			seed(b, db.Open(b), db.Dialect, n)
			c, err := kamailio.Open(context.Background(), db.Options())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			for b.Loop() {
				start := time.Now()
				got := rotateAll(b, c, b.TempDir())
				elapsed := time.Since(start)
				if got != n {
					b.Fatalf("rotated %d of %d", got, n)
				}
				rate := float64(n) / elapsed.Seconds()
				b.ReportMetric(rate, "rotations/s")
				if name == "postgres" {
					kr := kamcliLoop(b, db, kamcliN)
					kamcliRate.Store(kr)
				}
				if kr, ok := kamcliRate.Load().(float64); ok {
					b.ReportMetric(kr, "kamcli-rotations/s")
					b.ReportMetric(rate/kr, "x-kamcli")
				}
			}
		})
	}
}

// kamcliLoop runs `kamcli subscriber passwd` over the first n subscribers,
// one process each, as an operator's shell loop does.
func kamcliLoop(b *testing.B, db *kamailiotest.DB, n int) float64 {
	k := &kamailiotest.Kamailio{DB: db, RuntimeDir: b.TempDir()}
	kc := kamailiotest.NewKamcli(b, k, benchDomain)
	start := time.Now()
	for i := range n {
		kc.Run(b, "subscriber", "passwd", "-t", "no", fmt.Sprintf("u%06d@%s", i, benchDomain), fmt.Sprintf("Kamcli-%06d", i))
	}
	rate := float64(n) / time.Since(start).Seconds()
	var ha1 string
	db.Open(b).QueryRow("SELECT ha1 FROM subscriber WHERE username = 'u000007'").Scan(&ha1)
	if ha1 != kamailio.HA1("u000007", benchDomain, "Kamcli-000007") {
		b.Fatal("kamcli's passwd did not write the row")
	}
	return rate
}

// BenchmarkList100k lists 100,000 subscribers and reports the peak heap
// while doing so (goal: under 64 MiB).
func BenchmarkList100k(b *testing.B) {
	const n = 100000
	db := kamailiotest.SQLite(b)
	seed(b, db.Open(b), db.Dialect, n)
	c, err := kamailio.Open(context.Background(), db.Options())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for b.Loop() {
		runtime.GC()
		peak, stop := samplePeakHeap()
		count := drain(b, c.ListSIPAccounts(context.Background(), provider.AccountQuery{}))
		p := stop()
		if count != n {
			b.Fatalf("listed %d of %d", count, n)
		}
		_ = peak
		b.ReportMetric(float64(p)/(1<<20), "peak-heap-MiB")
	}
}

func drain(b *testing.B, seq iter.Seq2[provider.SIPAccount, error]) int {
	n := 0
	for a, err := range seq {
		if err != nil {
			b.Fatal(err)
		}
		if strings.HasPrefix(a.Username, "u") {
			n++
		}
	}
	return n
}

// samplePeakHeap samples HeapInuse every millisecond until stopped.
func samplePeakHeap() (*atomic.Uint64, func() uint64) {
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
	return &peak, func() uint64 { close(done); <-finished; return peak.Load() }
}

var _ = os.Getenv
