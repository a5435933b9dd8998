package asterisk_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/provider/providertest"
	"github.com/sipctl/sipctl/internal/providers/asterisk"
	"github.com/sipctl/sipctl/internal/providers/asterisk/asterisktest"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/sqldb"
)

// The provider on each database Asterisk's realtime supports, with a real
// Kamailio authenticating REGISTERs against the ps_auths rows sipctl
// writes: the stored digests are what a SIP server accepts.

func TestAsteriskSQLite(t *testing.T) {
	t.Parallel()
	runSuite(t, asterisktest.SQLite(t))
}

func TestAsteriskPostgres(t *testing.T) {
	t.Parallel()
	runSuite(t, asterisktest.Postgres(t))
}

func TestAsteriskMariaDB(t *testing.T) {
	t.Parallel()
	runSuite(t, asterisktest.MariaDB(t))
}

func open(t *testing.T, o asterisk.Options) *asterisk.Client {
	t.Helper()
	c, err := asterisk.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func probe(t *testing.T, registrar, user, domain, password string) sip.CheckResult {
	t.Helper()
	res, err := sip.Check(context.Background(), sip.CheckOptions{Username: user, Password: password, Domain: domain,
		Registrar: registrar, Transport: "udp", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func want(t *testing.T, res sip.CheckResult, outcome sip.Outcome) {
	t.Helper()
	if res.Outcome != outcome {
		t.Fatalf("REGISTER: got %s %d %q, want %s", res.Outcome, res.StatusCode, res.Reason, outcome)
	}
}

func exec(t *testing.T, raw *sql.DB, d sqldb.Dialect, q string, args ...any) {
	t.Helper()
	u := sqldb.URL{Dialect: d}
	if _, err := raw.Exec(u.Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func runSuite(t *testing.T, db *asterisktest.DB) {
	k := asterisktest.Kamailio(t, db)
	c := open(t, db.Options(k.SIP))
	ctx := context.Background()
	domain := "127.0.0.1"
	raw := db.Open(t)

	t.Run("schema reported", func(t *testing.T) {
		if s := c.Schema(); !strings.Contains(s, asterisktest.AlembicVersion) || !strings.Contains(s, "ps_contacts") {
			t.Fatalf("Schema() = %s", s)
		}
	})

	t.Run("three rows, digest only; rotation proven by REGISTER", func(t *testing.T) {
		a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "alice", Domain: domain, Password: "first-Secret-1234"})
		if err != nil {
			t.Fatal(err)
		}
		var authType, cred, pw, realm, user, eAuth, eAors string
		var maxContacts int
		err = raw.QueryRow(`SELECT a.auth_type, a.md5_cred, a.password, a.realm, a.username, e.auth, e.aors, o.max_contacts
			FROM ps_endpoints e JOIN ps_auths a ON a.id = e.id JOIN ps_aors o ON o.id = e.id WHERE e.id = 'alice'`).
			Scan(&authType, &cred, &pw, &realm, &user, &eAuth, &eAors, &maxContacts)
		if err != nil {
			t.Fatal(err)
		}
		if authType != "md5" || pw != "" || realm != "asterisk" || user != "alice" || eAuth != "alice" || eAors != "alice" || maxContacts != 1 ||
			cred != asterisk.MD5Cred("alice", "asterisk", "first-Secret-1234") {
			t.Fatalf("rows: auth_type=%s password=%q realm=%s username=%s auth=%s aors=%s max_contacts=%d", authType, pw, realm, user, eAuth, eAors, maxContacts)
		}
		want(t, probe(t, k.SIP, "alice", domain, "first-Secret-1234"), sip.Accepted)
		want(t, probe(t, k.SIP, "alice", domain, "wrong-Secret-0000"), sip.Rejected)
		if err := c.SetSIPPassword(ctx, a, "second-Secret-5678"); err != nil {
			t.Fatal(err)
		}
		want(t, probe(t, k.SIP, "alice", domain, "first-Secret-1234"), sip.Rejected)
		want(t, probe(t, k.SIP, "alice", domain, "second-Secret-5678"), sip.Accepted)
		if err := c.DeleteSIPAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"ps_endpoints", "ps_auths", "ps_aors"} {
			var n int
			raw.QueryRow("SELECT COUNT(*) FROM " + table + " WHERE id = 'alice'").Scan(&n)
			if n != 0 {
				t.Errorf("%s still has alice after delete", table)
			}
		}
	})

	t.Run("template endpoint's settings copied", func(t *testing.T) {
		exec(t, raw, db.Dialect, "INSERT INTO ps_endpoints (id, context, transport, allow, disallow, direct_media, "+quote(db.Dialect, "100rel")+") VALUES ('tmpl', 'phones', 'udp', 'ulaw,g722', 'all', 'no', 'yes')")
		o := db.Options(k.SIP)
		o.Template = "tmpl"
		tc := open(t, o)
		a, err := tc.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "tplcopy", Domain: domain, Password: "tpl-Secret-1234"})
		if err != nil {
			t.Fatal(err)
		}
		var ctxName, transport, allow, dm, auth string
		if err := raw.QueryRow("SELECT context, transport, allow, direct_media, auth FROM ps_endpoints WHERE id = 'tplcopy'").Scan(&ctxName, &transport, &allow, &dm, &auth); err != nil {
			t.Fatal(err)
		}
		if ctxName != "phones" || transport != "udp" || allow != "ulaw,g722" || dm != "no" || auth != "tplcopy" {
			t.Fatalf("copied endpoint: %s %s %s %s %s", ctxName, transport, allow, dm, auth)
		}
		want(t, probe(t, k.SIP, "tplcopy", domain, "tpl-Secret-1234"), sip.Accepted)
		tc.DeleteSIPAccount(ctx, a)
		o.Template = "nosuch"
		if _, err := asterisk.Open(ctx, o); err == nil || !strings.Contains(err.Error(), `template endpoint "nosuch"`) {
			t.Fatalf("missing template: %v", err)
		}
	})

	t.Run("bad input refused before any change", func(t *testing.T) {
		// An auth without its endpoint: the username is taken in part.
		exec(t, raw, db.Dialect, "INSERT INTO ps_auths (id, auth_type, username, realm, md5_cred, password) VALUES ('leftover', 'md5', 'leftover', 'asterisk', 'x', '')")
		_, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "leftover", Domain: domain, Password: "x-Secret-123456"})
		if !errors.Is(err, provider.ErrExists) || !strings.Contains(err.Error(), "ps_auths") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("partial account: %v", err)
		}
		var n int
		raw.QueryRow("SELECT COUNT(*) FROM ps_aors WHERE id = 'leftover'").Scan(&n)
		if n != 0 {
			t.Fatal("an aor was written for a refused account")
		}

		// An endpoint without an auth; an auth shared by two endpoints;
		// another realm; no realm.
		exec(t, raw, db.Dialect, "INSERT INTO ps_endpoints (id, aors) VALUES ('noauth', 'noauth')")
		exec(t, raw, db.Dialect, "INSERT INTO ps_auths (id, auth_type, username, realm, md5_cred, password) VALUES ('shared', 'md5', 'shared', 'asterisk', 'old', '')")
		exec(t, raw, db.Dialect, "INSERT INTO ps_endpoints (id, auth, aors) VALUES ('desk1', 'shared', 'desk1'), ('desk2', 'shared', 'desk2')")
		exec(t, raw, db.Dialect, "INSERT INTO ps_auths (id, auth_type, username, realm, md5_cred, password) VALUES ('other', 'md5', 'other', 'pbx.example', 'old', '')")
		exec(t, raw, db.Dialect, "INSERT INTO ps_endpoints (id, auth, aors) VALUES ('other', 'other', 'other')")
		for id, msg := range map[string]string{"noauth": "has no auth", "desk1": "shared by 2 endpoints", "other": `realm "pbx.example"`, "ghost": "no ps_endpoints row"} {
			err := c.SetSIPPassword(ctx, provider.SIPAccount{Ref: id, Username: id, Domain: domain}, "new-Secret-99999")
			if err == nil || !strings.Contains(err.Error(), msg) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: %v, want one line with %q", id, err, msg)
			}
		}
		var cred string
		raw.QueryRow("SELECT md5_cred FROM ps_auths WHERE id = 'shared'").Scan(&cred)
		if cred != "old" {
			t.Fatal("a shared auth was written")
		}
		got, err := c.GetSIPAccount(ctx, "desk1", domain)
		if err != nil || got.Attributes["auth"] != "shared" {
			t.Fatalf("get desk1: %+v %v", got, err)
		}

		// A plain-text password is reported, and converted by rotation.
		exec(t, raw, db.Dialect, "INSERT INTO ps_auths (id, auth_type, username, realm, password) VALUES ('plain', 'userpass', 'plain', 'asterisk', 'clear-text-1')")
		exec(t, raw, db.Dialect, "INSERT INTO ps_endpoints (id, auth, aors) VALUES ('plain', 'plain', 'plain')")
		exec(t, raw, db.Dialect, "INSERT INTO ps_aors (id, max_contacts) VALUES ('plain', 1)")
		p, err := c.GetSIPAccount(ctx, "plain", domain)
		if err != nil || !strings.Contains(p.Attributes["problem"], "plain-text password") {
			t.Fatalf("plain: %+v %v", p, err)
		}
		if err := c.SetSIPPassword(ctx, p, "converted-Secret-1"); err != nil {
			t.Fatal(err)
		}
		var authType, pw string
		raw.QueryRow("SELECT auth_type, password, md5_cred FROM ps_auths WHERE id = 'plain'").Scan(&authType, &pw, &cred)
		if authType != "md5" || pw != "" || cred != asterisk.MD5Cred("plain", "asterisk", "converted-Secret-1") {
			t.Fatalf("after rotation: %s %q %s", authType, pw, cred)
		}
		want(t, probe(t, k.SIP, "plain", domain, "converted-Secret-1"), sip.Accepted)
	})

	t.Run("domains: the registrar and ps_domain_aliases", func(t *testing.T) {
		name := "pbx.example.test"
		if _, err := c.CreateDomain(ctx, provider.DomainParams{DomainName: &name}); err != nil {
			t.Fatal(err)
		}
		var names []string
		for d, err := range c.ListDomains(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, d.DomainName)
		}
		if strings.Join(names, ",") != domain+","+name {
			t.Fatalf("domains %v", names)
		}
		a, err := c.CreateSIPAccount(ctx, provider.NewSIPAccount{Username: "onalias", Domain: name, Password: "alias-Secret-123"})
		if err != nil {
			t.Fatal(err)
		}
		if g, err := c.GetSIPAccount(ctx, "onalias", domain); err != nil || g.Ref != a.Ref {
			t.Fatalf("the same account on the registrar's domain: %v", err)
		}
		if _, err := c.GetSIPAccount(ctx, "onalias", "elsewhere.test"); !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("on an unserved domain: %v", err)
		}
		c.DeleteSIPAccount(ctx, a)
		if err := c.DeleteDomain(ctx, name); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("conformance", func(t *testing.T) {
		providertest.Run(t, func(t *testing.T) provider.SIPAccounts {
			o := db.Options(k.SIP)
			o.PageSize = 2
			return open(t, o)
		}, providertest.Options{Domain: domain, Registrar: k.SIP})
	})
}

func quote(d sqldb.Dialect, s string) string { return sqldb.URL{Dialect: d}.Quote(s) }

// TestSchemaRefused: a database without the tables, or with a table of
// another shape, is refused at Open in one line.
func TestSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.Exec("CREATE TABLE other (id INTEGER)")
	o := asterisk.Options{DBURL: "sqlite://" + path, Registrar: "127.0.0.1:5060"}
	_, err = asterisk.Open(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "no PJSIP realtime table ps_aors, ps_auths, ps_endpoints") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("empty database: %v", err)
	}
	for _, s := range []string{"CREATE TABLE ps_endpoints (id VARCHAR(40), auth VARCHAR(40), aors VARCHAR(200))",
		"CREATE TABLE ps_aors (id VARCHAR(40), max_contacts INTEGER, remove_existing VARCHAR(3))",
		"CREATE TABLE ps_auths (id VARCHAR(40), auth_type VARCHAR(10), username VARCHAR(40), realm VARCHAR(40), password VARCHAR(40))"} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	_, err = asterisk.Open(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "ps_auths table of a schema sipctl does not know (no column md5_cred)") {
		t.Fatalf("unknown schema: %v", err)
	}
}
