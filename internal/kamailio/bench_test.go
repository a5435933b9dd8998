package kamailio_test

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providertest"
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
				got := providertest.RotateAll(b, c, benchDomain, b.TempDir())
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
		stop := providertest.PeakHeap()
		count := drain(b, c.ListSIPAccounts(context.Background(), provider.AccountQuery{}))
		p := stop()
		if count != n {
			b.Fatalf("listed %d of %d", count, n)
		}
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
