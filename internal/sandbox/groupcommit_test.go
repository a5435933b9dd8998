package sandbox

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
)

// Concurrent writes share group commits: each failing write rolls back
// its own changes alone, and every write acknowledged is there afterwards,
// with the digest the registrar checks.
func TestGroupCommitKeepsEachWriteApart(t *testing.T) {
	s := openTest(t)
	a := newAPI(t, s)
	_, d := a.do("POST", a.path("SIP/Domains.json"), url.Values{"DomainName": {"gc.sip.twilio.com"}, "SipRegistration": {"true"}})
	_, l := a.do("POST", a.path("SIP/CredentialLists.json"), url.Values{"FriendlyName": {"phones"}})
	listSID := l["sid"].(string)
	st, m := a.do("POST", a.path("SIP/Domains/"+d["sid"].(string)+"/Auth/Registrations/CredentialListMappings.json"), url.Values{"CredentialListSid": {listSID}})
	mustStatus(t, "map", st, 201, m, 0)

	// 100 usernames, each created twice at once: one of each pair wins.
	const n = 100
	var wg sync.WaitGroup
	status := make([]int, 2*n)
	for i := range 2 * n {
		wg.Go(func() {
			form := url.Values{"Username": {fmt.Sprintf("u%03d", i%n)}, "Password": {fmt.Sprintf("Group-Commit-%03dx", i)}}
			status[i], _ = a.do("POST", a.path("SIP/CredentialLists/"+listSID+"/Credentials.json"), form)
		})
	}
	wg.Wait()
	ctx := context.Background()
	for u := range n {
		created := 0
		for _, i := range []int{u, u + n} {
			switch status[i] {
			case 201:
				created++
				got, err := s.LookupHA1(ctx, "gc.sip.twilio.com", fmt.Sprintf("u%03d", u))
				if err != nil || got != ha1(fmt.Sprintf("u%03d", u), "gc.sip.twilio.com", fmt.Sprintf("Group-Commit-%03dx", i)) {
					t.Errorf("u%03d: the digest is not the winning request's password (%v)", u, err)
				}
			case 400:
			default:
				t.Errorf("u%03d, request %d: status %d", u, i, status[i])
			}
		}
		if created != 1 {
			t.Errorf("u%03d created %d times", u, created)
		}
	}
	var rows, digests int
	s.db.QueryRow(`SELECT COUNT(*) FROM credentials`).Scan(&rows)
	s.db.QueryRow(`SELECT COUNT(*) FROM credential_digests`).Scan(&digests)
	if rows != n || digests != n {
		t.Fatalf("%d credentials and %d digests, want %d of each", rows, digests, n)
	}
}

// A write that fails after changing rows leaves nothing behind, while the
// writes batched with it commit.
func TestGroupCommitRollsBackTheFailedWriteOnly(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if _, err := s.db.Exec(`CREATE TABLE gc (k TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, 60)
	for i := range errs {
		wg.Go(func() {
			errs[i] = s.tx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO gc (k) VALUES (?)`, fmt.Sprint(i)); err != nil {
					return err
				}
				if i%3 == 0 {
					return boom
				}
				return nil
			})
		})
	}
	wg.Wait()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.tx(cancelled, func(tx *sql.Tx) error { _, err := tx.Exec(`INSERT INTO gc (k) VALUES ('late')`); return err }); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled write: %v", err)
	}
	for i, err := range errs {
		var k string
		qerr := s.db.QueryRow(`SELECT k FROM gc WHERE k = ?`, fmt.Sprint(i)).Scan(&k)
		if i%3 == 0 {
			if !errors.Is(err, boom) || !errors.Is(qerr, sql.ErrNoRows) {
				t.Errorf("write %d: err %v, row %v: want boom and no row", i, err, qerr)
			}
		} else if err != nil || qerr != nil {
			t.Errorf("write %d: err %v, row %v: want it committed", i, err, qerr)
		}
	}
	var late int
	s.db.QueryRow(`SELECT COUNT(*) FROM gc WHERE k = 'late'`).Scan(&late)
	if late != 0 {
		t.Fatal("the cancelled write was committed")
	}
}

// A serve's handle leaves checkpoints to its background loop, not to the
// commit that happens to cross the threshold; another process's handle on
// the same file (a command using the sandbox in-process) keeps SQLite's,
// and writes from both are all there after the serve closes.
func TestServerHandleCheckpointsInBackground(t *testing.T) {
	dir := t.TempDir()
	srv, err := OpenServer(dir)
	if err != nil {
		t.Fatal(err)
	}
	cli, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	for _, h := range []struct {
		s    *Sandbox
		want int
	}{{srv, 0}, {cli, 1000}} {
		var every int
		if err := h.s.db.QueryRow(`PRAGMA wal_autocheckpoint`).Scan(&every); err != nil || every != h.want {
			t.Fatalf("wal_autocheckpoint = %d, %v; want %d", every, err, h.want)
		}
	}
	a, b := newAPI(t, srv), newAPI(t, cli)
	_, d := a.do("POST", a.path("SIP/Domains.json"), url.Values{"DomainName": {"ckpt.sip.twilio.com"}, "SipRegistration": {"true"}})
	_, l := a.do("POST", a.path("SIP/CredentialLists.json"), url.Values{"FriendlyName": {"phones"}})
	listSID := l["sid"].(string)
	a.do("POST", a.path("SIP/Domains/"+d["sid"].(string)+"/Auth/Registrations/CredentialListMappings.json"), url.Values{"CredentialListSid": {listSID}})
	const n = 300
	var wg sync.WaitGroup
	status := make([]int, n)
	for i := range n {
		wg.Go(func() {
			via := a
			if i%10 == 0 {
				via = b
			}
			status[i], _ = via.do("POST", via.path("SIP/CredentialLists/"+listSID+"/Credentials.json"),
				url.Values{"Username": {fmt.Sprintf("c%03d", i)}, "Password": {fmt.Sprintf("Checkpoint-%03dX", i)}})
		})
	}
	wg.Wait()
	for i, st := range status {
		if st != 201 {
			t.Fatalf("create %d: status %d", i, st)
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	var rows int
	again.db.QueryRow(`SELECT COUNT(*) FROM credentials`).Scan(&rows)
	if rows != n {
		t.Fatalf("%d credentials after the serve closed, want %d", rows, n)
	}
	if got, err := again.LookupHA1(context.Background(), "ckpt.sip.twilio.com", "c007"); err != nil || got != ha1("c007", "ckpt.sip.twilio.com", "Checkpoint-007X") {
		t.Fatalf("digest of c007: %v", err)
	}
}
