package asterisk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providertest"
	"github.com/sipctl/sipctl/internal/providers/asterisk"
	"github.com/sipctl/sipctl/internal/providers/asterisk/asterisktest"
	"github.com/sipctl/sipctl/internal/sqldb"
)

// Run with -benchtime=1x (scripts/bench-asterisk.sh): each benchmark does
// its whole measurement once.

const benchRegistrar = "127.0.0.1:5060"

// seed writes n accounts (endpoint, auth and aor each) in one transaction.
func seed(b *testing.B, db *asterisktest.DB, n int) {
	b.Helper()
	raw := db.Open(b)
	u := sqldb.URL{Dialect: db.Dialect}
	tx, err := raw.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for _, st := range []struct {
		q    string
		args func(id string) []any
	}{
		{"INSERT INTO ps_auths (id, auth_type, username, realm, md5_cred, password) VALUES (?, 'md5', ?, 'asterisk', ?, '')",
			func(id string) []any { return []any{id, id, asterisk.MD5Cred(id, "asterisk", "old")} }},
		{"INSERT INTO ps_aors (id, max_contacts, remove_existing) VALUES (?, 1, 'yes')", func(id string) []any { return []any{id} }},
		{"INSERT INTO ps_endpoints (id, auth, aors) VALUES (?, ?, ?)", func(id string) []any { return []any{id, id, id} }},
	} {
		stmt, err := tx.Prepare(u.Rebind(st.q))
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			if _, err := stmt.Exec(st.args(fmt.Sprintf("u%06d", i))...); err != nil {
				b.Fatal(err)
			}
		}
		stmt.Close()
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRotate rotates 10,000 accounts with journal and handover, through
// the rotation engine, on SQLite and PostgreSQL, and reports rotations per
// second.
func BenchmarkRotate(b *testing.B) {
	const n = 10000
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			var db *asterisktest.DB
			if name == "sqlite" {
				db = asterisktest.SQLite(b)
			} else {
				db = asterisktest.Postgres(b)
			}
			seed(b, db, n)
			c, err := asterisk.Open(context.Background(), db.Options(benchRegistrar))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			for b.Loop() {
				start := time.Now()
				got := providertest.RotateAll(b, c, "127.0.0.1", b.TempDir())
				elapsed := time.Since(start)
				if got != n {
					b.Fatalf("rotated %d of %d", got, n)
				}
				b.ReportMetric(float64(n)/elapsed.Seconds(), "rotations/s")
			}
			var cred string
			db.Open(b).QueryRow("SELECT md5_cred FROM ps_auths WHERE id = 'u000007'").Scan(&cred)
			if cred == asterisk.MD5Cred("u000007", "asterisk", "old") {
				b.Fatal("the rotation did not write md5_cred")
			}
		})
	}
}

// BenchmarkList100k lists 100,000 accounts on SQLite and reports the peak
// heap while doing so (goal: under 64 MiB).
func BenchmarkList100k(b *testing.B) {
	const n = 100000
	db := asterisktest.SQLite(b)
	seed(b, db, n)
	c, err := asterisk.Open(context.Background(), db.Options(benchRegistrar))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for b.Loop() {
		stop := providertest.PeakHeap()
		count := 0
		for _, err := range c.ListSIPAccounts(context.Background(), provider.AccountQuery{}) {
			if err != nil {
				b.Fatal(err)
			}
			count++
		}
		peak := stop()
		if count != n {
			b.Fatalf("listed %d of %d", count, n)
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	}
}
