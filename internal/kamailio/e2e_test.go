package kamailio_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providertest"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/sip/sipptest"
)

// The provider against a real Kamailio: what sipctl writes is what
// Kamailio's auth_db, domain and permissions modules act on, and what usrloc
// reports is what sipctl shows. Run on each database Kamailio supports.

func TestKamailioSQLite(t *testing.T) {
	t.Parallel()
	runSuite(t, kamailiotest.SQLite(t))
}

func TestKamailioPostgres(t *testing.T) {
	t.Parallel()
	runSuite(t, kamailiotest.Postgres(t))
}

func TestKamailioMariaDB(t *testing.T) {
	t.Parallel()
	runSuite(t, kamailiotest.MariaDB(t))
}

func open(t *testing.T, o kamailio.Options) *kamailio.Client {
	t.Helper()
	c, err := kamailio.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func probe(t *testing.T, k *kamailiotest.Kamailio, user, domain, password string) sip.CheckResult {
	t.Helper()
	res, err := sip.Check(context.Background(), sip.CheckOptions{Username: user, Password: password, Domain: domain,
		Registrar: k.SIP, Transport: "udp", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func wantOutcome(t *testing.T, res sip.CheckResult, want sip.Outcome, code int) {
	t.Helper()
	if res.Outcome != want || (code != 0 && res.StatusCode != code) {
		t.Fatalf("REGISTER: got %s %d %q, want %s %d", res.Outcome, res.StatusCode, res.Reason, want, code)
	}
}

func runSuite(t *testing.T, db *kamailiotest.DB) {
	k := kamailiotest.Start(t, db)
	c := open(t, k.Options())
	ctx := context.Background()
	const domain = "pbx.example.test"

	t.Run("domain served once created and reloaded", func(t *testing.T) {
		wantOutcome(t, probe(t, k, "nobody", domain, "x"), sip.Rejected, 404)
		name := domain
		d, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: &name})
		if err != nil {
			t.Fatal(err)
		}
		if d.SID != domain || d.DomainName != domain {
			t.Fatalf("created %+v", d)
		}
		// Served now: an unknown user is challenged, then rejected with 401.
		wantOutcome(t, probe(t, k, "nobody", domain, "x"), sip.Rejected, 401)
		if _, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: &name}); !errors.Is(err, provider.ErrExists) {
			t.Fatalf("second create: %v, want ErrExists", err)
		}
		var names []string
		for d, err := range c.ListDomains(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, d.DomainName)
		}
		if strings.Join(names, ",") != domain {
			t.Fatalf("domains %v", names)
		}
	})

	t.Run("account registers, wrong password rejected, rotation, delete", func(t *testing.T) {
		a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "alice", Domain: domain, Password: "first-Secret-1234"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Ref == "" || a.Address() != "alice@"+domain || a.Registrar.Host != "127.0.0.1" {
			t.Fatalf("account %+v", a)
		}
		wantOutcome(t, probe(t, k, "alice", domain, "first-Secret-1234"), sip.Accepted, 200)
		wantOutcome(t, probe(t, k, "alice", domain, "wrong-password-99"), sip.Rejected, 401)

		// Rows: ha1 and ha1b, no plain text.
		raw := db.Open(t)
		var pw, ha1, ha1b string
		q := "SELECT password, ha1, ha1b FROM subscriber WHERE username = 'alice'"
		if err := raw.QueryRow(q).Scan(&pw, &ha1, &ha1b); err != nil {
			t.Fatal(err)
		}
		if pw != "" || ha1 != kamailio.HA1("alice", domain, "first-Secret-1234") || ha1b != kamailio.HA1B("alice", domain, domain, "first-Secret-1234") {
			t.Fatalf("row password=%q ha1=%s ha1b=%s", pw, ha1, ha1b)
		}

		if err := c.SetSIPPassword(ctx, a, "second-Secret-5678"); err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, probe(t, k, "alice", domain, "first-Secret-1234"), sip.Rejected, 401)
		wantOutcome(t, probe(t, k, "alice", domain, "second-Secret-5678"), sip.Accepted, 200)
		// Setting the same password twice is harmless.
		if err := c.SetSIPPassword(ctx, a, "second-Secret-5678"); err != nil {
			t.Fatalf("same password again: %v", err)
		}

		got, err := c.GetSIPAccount(ctx, "alice", strings.ToUpper(domain))
		if err != nil || got.Ref != a.Ref {
			t.Fatalf("get: %+v %v", got, err)
		}
		if err := c.DeleteSIPAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		wantOutcome(t, probe(t, k, "alice", domain, "second-Secret-5678"), sip.Rejected, 401)
		if err := c.DeleteSIPAccount(ctx, a); !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if err := c.SetSIPPassword(ctx, a, "third-Secret-0000"); !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("set on deleted: %v", err)
		}
		if _, err := c.GetSIPAccount(ctx, "alice", domain); !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("get deleted: %v", err)
		}
	})

	t.Run("address let in by allow_source_address", func(t *testing.T) {
		s := sipptest.New(t, k.SIP, "udp")
		if ok, out := s.Options(t, domain, 403); !ok {
			t.Fatalf("before: sipp did not get 403:\n%s", out)
		}
		acl, err := c.GetIPACL(ctx, "1")
		if err != nil {
			t.Fatal(err)
		}
		addr, err := c.AddIPAddress(ctx, acl.SID, "test loopback", "127.0.0.1", 32)
		if err != nil {
			t.Fatal(err)
		}
		if ok, out := s.Options(t, domain, 200); !ok {
			t.Fatalf("after adding 127.0.0.1 to group 1: sipp did not get 200:\n%s", out)
		}
		if _, err := c.AddIPAddress(ctx, acl.SID, "", "127.0.0.1", 32); !errors.Is(err, provider.ErrExists) {
			t.Fatalf("duplicate address: %v", err)
		}
		var listed []provider.IPAddress
		for a, err := range c.ListIPAddresses(ctx, "1") {
			if err != nil {
				t.Fatal(err)
			}
			listed = append(listed, a)
		}
		if len(listed) != 1 || listed[0].IPAddress != "127.0.0.1" || listed[0].FriendlyName != "test loopback" || listed[0].CIDRPrefixLength != 32 {
			t.Fatalf("listed %+v", listed)
		}
		if err := c.RemoveIPAddress(ctx, acl.SID, addr.SID); err != nil {
			t.Fatal(err)
		}
		if ok, out := s.Options(t, domain, 403); !ok {
			t.Fatalf("after removing: sipp did not get 403:\n%s", out)
		}
	})

	t.Run("registration status from usrloc", func(t *testing.T) {
		a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "bob", Domain: domain, Password: "bob-Secret-123456"})
		if err != nil {
			t.Fatal(err)
		}
		status := func() provider.Registration {
			t.Helper()
			m, err := c.RegistrationStatus(ctx, []provider.SIPAccount{a})
			if err != nil {
				t.Fatal(err)
			}
			return m[a.Ref]
		}
		if r := status(); r.State != provider.NotRegistered {
			t.Fatalf("before: %+v", r)
		}
		s := sipptest.New(t, k.SIP, "udp")
		if ok, out := s.Register(t, domain, "bob", "bob-Secret-123456", 120, 200); !ok {
			t.Fatalf("sipp REGISTER:\n%s", out)
		}
		r := status()
		if r.State != provider.Registered || r.Contact != s.Contact("bob") || r.UserAgent != "sipp-sipctl-test" || r.Transport != "UDP" {
			t.Fatalf("after REGISTER: %+v, want contact %s", r, s.Contact("bob"))
		}
		if r.Expires.Before(time.Now().Add(60*time.Second)) || r.Expires.After(time.Now().Add(125*time.Second)) {
			t.Fatalf("expires %v", r.Expires)
		}
		// Many accounts go through one ul.dump.
		many := []provider.SIPAccount{a}
		for i := range 20 {
			many = append(many, provider.SIPAccount{Ref: fmt.Sprint("x", i), Username: fmt.Sprint("ghost", i), Domain: domain})
		}
		m, err := c.RegistrationStatus(ctx, many)
		if err != nil {
			t.Fatal(err)
		}
		if m[a.Ref].Contact != s.Contact("bob") || m["x3"].State != provider.NotRegistered {
			t.Fatalf("dump: %+v / %+v", m[a.Ref], m["x3"])
		}
		if ok, out := s.Register(t, domain, "bob", "bob-Secret-123456", 0, 200); !ok {
			t.Fatalf("sipp REGISTER Expires 0:\n%s", out)
		}
		if r := status(); r.State != provider.NotRegistered {
			t.Fatalf("after Expires 0: %+v", r)
		}
	})

	t.Run("bad input changes nothing", func(t *testing.T) {
		raw := db.Open(t)
		count := func() int {
			var n int
			if err := raw.QueryRow("SELECT COUNT(*) FROM subscriber").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		for _, tc := range []struct {
			name string
			a    provider.NewSIPAccount
			want string
		}{
			{"unknown domain", provider.NewSIPAccount{Username: "carol", Domain: "elsewhere.test", Password: "p-Secret-123456"}, "not in Kamailio's domain table"},
			{"long username", provider.NewSIPAccount{Username: strings.Repeat("u", 65), Domain: domain, Password: "p-Secret-123456"}, "holds 64"},
			{"long domain", provider.NewSIPAccount{Username: "carol", Domain: strings.Repeat("d", 60) + ".test", Password: "p-Secret-123456"}, "hold 64"},
			{"bad character", provider.NewSIPAccount{Username: "ca rol", Domain: domain, Password: "p-Secret-123456"}, "RFC 3261 user characters"},
		} {
			_, err := c.CreateSIPAccount(ctx, tc.a)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: %v, want one line with %q", tc.name, err, tc.want)
			}
		}
		if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "bob", Domain: domain, Password: "p-Secret-123456"}); !errors.Is(err, provider.ErrExists) {
			t.Fatalf("duplicate: %v", err)
		}
		if n := count(); n != before {
			t.Fatalf("subscribers %d, was %d", n, before)
		}
		// A domain still in use is not deleted.
		if err := c.DeleteDomain(ctx, domain); err == nil || !strings.Contains(err.Error(), "still has 1 subscriber") {
			t.Fatalf("delete used domain: %v", err)
		}
		_, err := provider.Require[provider.DomainSettings](c, provider.WhatDomainSettings)
		if err == nil || !strings.HasPrefix(err.Error(), "kamailio has no domain settings: a Kamailio domain is a name") {
			t.Fatalf("domain settings: %v", err)
		}
		_, err = provider.Require[provider.CredentialLists](c, provider.WhatCredentialLists)
		if err == nil || err.Error() != "kamailio has no credential lists: accounts belong to a domain" {
			t.Fatalf("credential lists: %v", err)
		}
	})

	t.Run("concurrent rotation is group-committed and every row is right", func(t *testing.T) {
		const n = 300
		accts := make([]provider.SIPAccount, n)
		for i := range accts {
			a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: fmt.Sprintf("load%03d", i), Domain: domain, Password: "initial-Secret-1"})
			if err != nil {
				t.Fatal(err)
			}
			accts[i] = a
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i, a := range accts {
			wg.Go(func() { errs[i] = c.SetSIPPassword(ctx, a, fmt.Sprintf("rotated-%03d-Secret", i)) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("%d: %v", i, err)
			}
		}
		checkHA1(t, db.Open(t), accts, func(i int) string { return fmt.Sprintf("rotated-%03d-Secret", i) })
		wantOutcome(t, probe(t, k, "load123", domain, "rotated-123-Secret"), sip.Accepted, 200)

		// The batch interface is all or nothing.
		changes := []provider.PasswordChange{{Account: accts[0], Password: "batch-Secret-0"},
			{Account: provider.SIPAccount{Username: "missing", Domain: domain}, Password: "batch-Secret-1"}}
		if err := c.SetSIPPasswords(ctx, changes); !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("batch with a missing account: %v", err)
		}
		checkHA1(t, db.Open(t), accts[:1], func(int) string { return "rotated-000-Secret" })
		if err := c.SetSIPPasswords(ctx, changes[:1]); err != nil {
			t.Fatal(err)
		}
		checkHA1(t, db.Open(t), accts[:1], func(int) string { return "batch-Secret-0" })

		// Listing streams everything, and filters by domain.
		seen := 0
		for a, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: domain}) {
			if err != nil {
				t.Fatal(err)
			}
			if a.Domain != domain {
				t.Fatalf("listed %+v", a)
			}
			seen++
		}
		if seen != n+1 { // bob too
			t.Fatalf("listed %d, want %d", seen, n+1)
		}
	})

	t.Run("conformance", func(t *testing.T) {
		other := "lab.example.test"
		if _, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: &other}); err != nil {
			t.Fatal(err)
		}
		providertest.Run(t, func(t *testing.T) provider.SIPAccounts {
			o := k.Options()
			o.PageSize = 2
			return open(t, o)
		}, providertest.Options{Domain: domain, OtherDomain: other, Registrar: k.SIP,
			// An IP ACL is an address group, named by its number.
			IPACLName: func() string { return "77" }, IPACLsAreGroups: true})
	})

	if db.Dialect == kamailio.Postgres {
		t.Run("kamcli as a peer", func(t *testing.T) { kamcliPeer(t, k, c, domain) })
	}

	t.Run("unreachable RPC endpoint: exit 6 naming it, nothing written", func(t *testing.T) {
		o := k.Options()
		o.RPCURL = fmt.Sprintf("http://127.0.0.1:%d/RPC", kamailiotest.FreePort(t))
		c2 := open(t, o)
		name := "other.example.test"
		_, err := c2.CreateDomain(ctx, provider.DomainParams{DomainName: &name})
		ue, ok := errors.AsType[*kamailio.UnreachableError](err)
		if !ok || ue.What != "RPC endpoint" || !strings.Contains(err.Error(), "RPC endpoint") {
			t.Fatalf("create domain with RPC down: %v", err)
		}
		if _, err := c.GetDomain(ctx, name); !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("domain written anyway: %v", err)
		}
	})
}

func checkHA1(t *testing.T, raw *sql.DB, accts []provider.SIPAccount, pw func(int) string) {
	t.Helper()
	for i, a := range accts {
		var ha1, ha1b string
		q := fmt.Sprintf("SELECT ha1, ha1b FROM subscriber WHERE username = '%s' AND domain = '%s'", a.Username, a.Domain)
		if err := raw.QueryRow(q).Scan(&ha1, &ha1b); err != nil {
			t.Fatal(err)
		}
		if ha1 != kamailio.HA1(a.Username, a.Domain, pw(i)) || ha1b != kamailio.HA1B(a.Username, a.Domain, a.Domain, pw(i)) {
			t.Fatalf("%s: ha1 does not match the password set", a.Address())
		}
	}
}

// kamcliPeer: what sipctl writes, kamcli reads, and what kamcli writes,
// sipctl lists, rotates and Kamailio accepts.
func kamcliPeer(t *testing.T, k *kamailiotest.Kamailio, c *kamailio.Client, domain string) {
	ctx := context.Background()
	kc := kamailiotest.NewKamcli(t, k, domain)
	if out := kc.Run(t, "jsonrpc", "core.version"); !strings.Contains(out, "kamailio") {
		t.Fatalf("kamcli jsonrpc core.version: %s", out)
	}

	if _, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "carol", Domain: domain, Password: "carol-Secret-1234"}); err != nil {
		t.Fatal(err)
	}
	out := kc.Run(t, "subscriber", "show", "-F", "json", "carol@"+domain)
	if !strings.Contains(out, `"carol"`) || !strings.Contains(out, kamailio.HA1("carol", domain, "carol-Secret-1234")) {
		t.Fatalf("kamcli subscriber show carol: %s", out)
	}

	// kamcli stores the password in plain text by default; sipctl's
	// rotation clears it.
	kc.Run(t, "subscriber", "add", "dave@"+domain, "kamcli-Pass-1")
	wantOutcome(t, probe(t, k, "dave", domain, "kamcli-Pass-1"), sip.Accepted, 200)
	found := false
	for a, err := range c.ListSIPAccounts(ctx, provider.AccountQuery{Domain: domain}) {
		if err != nil {
			t.Fatal(err)
		}
		found = found || a.Username == "dave"
	}
	if !found {
		t.Fatal("sipctl does not list kamcli's subscriber")
	}
	dave, err := c.GetSIPAccount(ctx, "dave", domain)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetSIPPassword(ctx, dave, "rotated-by-sipctl-9"); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, probe(t, k, "dave", domain, "kamcli-Pass-1"), sip.Rejected, 401)
	wantOutcome(t, probe(t, k, "dave", domain, "rotated-by-sipctl-9"), sip.Accepted, 200)
	out = kc.Run(t, "subscriber", "show", "-F", "json", "dave@"+domain)
	if strings.Contains(out, "kamcli-Pass-1") || !strings.Contains(out, kamailio.HA1("dave", domain, "rotated-by-sipctl-9")) {
		t.Fatalf("after rotation kamcli shows: %s", out)
	}
}
