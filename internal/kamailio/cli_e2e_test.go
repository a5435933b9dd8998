package kamailio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/kamailio"
	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
	"github.com/sipctl/sipctl/internal/provider"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/sip/sipptest"
	"github.com/sipctl/sipctl/internal/testenv"
)

type cli struct {
	t   *testing.T
	env *testenv.Env
}

// run runs the built sipctl and returns stdout, stderr and the exit code.
func (c cli) run(stdin string, args ...string) (string, string, int) {
	c.t.Helper()
	return c.env.Run(c.t, stdin, args...)
}

func (c cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	return c.env.OK(c.t, stdin, args...)
}

func (c cli) fails(want int, wantErr string, stdin string, args ...string) {
	c.t.Helper()
	c.env.Fails(c.t, want, wantErr, stdin, args...)
}

// The built binary against a real Kamailio on SQLite: login verifies and
// saves the profile; domains, IP ACL addresses, account status, check and
// delete work through the neutral commands; capabilities Kamailio lacks
// exit 2 naming them; an unreachable RPC endpoint exits 6 naming it.
func TestKamailioCLI(t *testing.T) {
	t.Parallel()
	db := kamailiotest.SQLite(t)
	k := kamailiotest.Start(t, db)
	c := cli{t: t, env: testenv.NewEnv(t)}
	const domain = "cli.example.test"

	out := c.ok("", "auth", "login", "--profile", "pbx", "--provider", "kamailio", "--db-url", db.URL, "--rpc-url", k.RPCURL, "--registrar", k.SIP)
	if !strings.Contains(out, "Logged in to kamailio 5.") || !strings.Contains(out, `profile "pbx"`) {
		t.Fatalf("login: %s", out)
	}
	c.fails(2, "refusing a database URL with a password", "", "auth", "login", "--profile", "bad", "--provider", "kamailio",
		"--db-url", "postgres://kamailio:secret@127.0.0.1/kamailio", "--rpc-url", k.RPCURL, "--registrar", k.SIP)
	c.fails(6, "RPC endpoint", "", "auth", "login", "--profile", "down", "--provider", "kamailio", "--db-url", db.URL,
		"--rpc-url", fmt.Sprintf("http://127.0.0.1:%d/RPC", kamailiotest.FreePort(t)), "--registrar", k.SIP)
	if out, _, _ := c.run("", "profile", "list"); strings.Contains(out, "down") || strings.Contains(out, "bad") {
		t.Fatalf("a failed login saved a profile:\n%s", out)
	}

	c.ok("", "--profile", "pbx", "domains", "create", domain)
	if out := c.ok("", "--profile", "pbx", "domains", "list"); !strings.Contains(out, domain) {
		t.Fatalf("domains list: %s", out)
	}
	wantOutcome(t, probe(t, k, "nobody", domain, "x"), sip.Rejected, 401) // served

	// accounts create generates a device-safe password that registers;
	// password rotate (journal, handover) replaces it.
	var created map[string]any
	out = c.ok("", "--profile", "pbx", "accounts", "create", "frank", "--domain", domain, "--json")
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("accounts create --json: %v\n%s", err, out)
	}
	first, _ := created["password"].(string)
	if len(first) < 16 {
		t.Fatalf("accounts create: %s", out)
	}
	wantOutcome(t, probe(t, k, "frank", domain, first), sip.Accepted, 200)
	c.fails(1, "already exists", "", "--profile", "pbx", "accounts", "create", "frank", "--domain", domain)
	c.fails(1, "not in Kamailio's domain table", "", "--profile", "pbx", "accounts", "create", "gina", "--domain", "nowhere.example.test")
	handover := filepath.Join(t.TempDir(), "handover.json")
	c.ok("", "--profile", "pbx", "password", "rotate", "--domain", domain, "--yes", "--output", handover)
	c.ok("", "--profile", "pbx", "accounts", "check", "frank@"+domain, "--from-handover", handover)
	c.fails(5, "rejected", first+"\n", "--profile", "pbx", "accounts", "check", "frank@"+domain, "--password-stdin")
	c.ok("", "--profile", "pbx", "accounts", "delete", "frank@"+domain, "--yes")
	c.fails(5, "rejected", "", "--profile", "pbx", "accounts", "check", "frank@"+domain, "--from-handover", handover)

	p := open(t, k.Options())
	a, err := p.CreateSIPAccount(context.Background(), provider.NewSIPAccount{Username: "erin", Domain: domain, Password: "erin-Secret-12345"})
	if err != nil {
		t.Fatal(err)
	}
	// The profile's registrar is where check sends its REGISTER.
	c.ok("erin-Secret-12345\n", "--profile", "pbx", "accounts", "check", "erin@"+domain, "--password-stdin")
	c.fails(5, "rejected", "wrong-Secret-12345\n", "--profile", "pbx", "accounts", "check", "erin@"+domain, "--registrar", k.SIP, "--password-stdin")

	// Registration status from usrloc, with sipp's contact.
	s := sipptest.New(t, k.SIP, "udp")
	if ok, out := s.Register(t, domain, "erin", "erin-Secret-12345", 300, 200); !ok {
		t.Fatalf("sipp:\n%s", out)
	}
	status := func() map[string]any {
		t.Helper()
		var rows []map[string]any
		out := c.ok("", "--profile", "pbx", "accounts", "list", "--domain", domain, "--json=username,status,contact")
		if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 {
			t.Fatalf("accounts list --json: %v\n%s", err, out)
		}
		return rows[0]
	}
	if r := status(); r["status"] != "registered" || r["contact"] != s.Contact("erin") {
		t.Fatalf("after REGISTER: %v, want contact %s", r, s.Contact("erin"))
	}
	if out := c.ok("", "--profile", "pbx", "accounts", "list", "--domain", domain); !strings.Contains(out, "registered") {
		t.Fatalf("accounts list: %s", out)
	}
	if ok, out := s.Register(t, domain, "erin", "erin-Secret-12345", 0, 200); !ok {
		t.Fatalf("sipp Expires 0:\n%s", out)
	}
	if r := status(); r["status"] != "not-registered" {
		t.Fatalf("after Expires 0: %v", r)
	}

	// An address added with ipacls is let in by allow_source_address("1").
	if ok, out := s.Options(t, domain, 403); !ok {
		t.Fatalf("OPTIONS before: %s", out)
	}
	c.ok("", "--profile", "pbx", "ipacls", "addresses", "add", "1", "127.0.0.1/32", "--name", "loopback")
	if ok, out := s.Options(t, domain, 200); !ok {
		t.Fatalf("OPTIONS after ipacls addresses add: %s", out)
	}

	c.fails(2, "kamailio has no credential lists: accounts belong to a domain", "", "--profile", "pbx", "credlists", "list")

	c.ok("", "--profile", "pbx", "accounts", "delete", "erin@"+domain, "--yes")
	wantOutcome(t, probe(t, k, "erin", domain, "erin-Secret-12345"), sip.Rejected, 401)
	if _, err := p.GetSIPAccount(context.Background(), a.Username, domain); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}

	// CI: the profile from SIPCTL_* variables.
	ci := cli{t: t, env: testenv.NewEnv(t).Set("SIPCTL_PROVIDER", kamailio.Name).Set("SIPCTL_DB_URL", db.URL).
		Set("SIPCTL_RPC_URL", k.RPCURL).Set("SIPCTL_REGISTRAR", k.SIP)}
	if out := ci.ok("", "domains", "list"); !strings.Contains(out, domain) {
		t.Fatalf("domains list from the environment: %s", out)
	}
	down := cli{t: t, env: testenv.NewEnv(t).Set("SIPCTL_PROVIDER", kamailio.Name).Set("SIPCTL_DB_URL", db.URL).
		Set("SIPCTL_RPC_URL", fmt.Sprintf("http://127.0.0.1:%d/RPC", kamailiotest.FreePort(t))).Set("SIPCTL_REGISTRAR", k.SIP)}
	down.fails(6, "kamailio RPC endpoint", "", "domains", "create", "never.example.test")
	if _, err := p.GetDomain(context.Background(), "never.example.test"); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("domain written with RPC down: %v", err)
	}
}

// The CI flow on PostgreSQL: the password only in SIPCTL_DB_PASSWORD.
func TestKamailioCLIPostgresFromEnv(t *testing.T) {
	t.Parallel()
	db := kamailiotest.Postgres(t)
	k := kamailiotest.Start(t, db)
	env := func(pw string) cli {
		e := testenv.NewEnv(t).Set("SIPCTL_PROVIDER", kamailio.Name).Set("SIPCTL_DB_URL", db.URL).
			Set("SIPCTL_RPC_URL", k.RPCURL).Set("SIPCTL_REGISTRAR", k.SIP)
		if pw != "" {
			e.Set("SIPCTL_DB_PASSWORD", pw)
		}
		return cli{t: t, env: e}
	}
	env(db.Password).ok("", "domains", "create", "pg.example.test")
	if out := env(db.Password).ok("", "domains", "list"); !strings.Contains(out, "pg.example.test") {
		t.Fatalf("domains list: %s", out)
	}
	env("").fails(4, "SIPCTL_DB_PASSWORD", "", "domains", "list")
	env("wrong-password").fails(1, "refused the login", "", "domains", "list")
}
