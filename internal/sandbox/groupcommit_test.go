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
