package asterisk_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/providers/asterisk/asterisktest"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/testenv"
)

type cli struct {
	t   *testing.T
	env *testenv.Env
}

func (c cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	return c.env.OK(c.t, stdin, args...)
}

func (c cli) fails(want int, wantErr string, stdin string, args ...string) {
	c.t.Helper()
	c.env.Fails(c.t, want, wantErr, stdin, args...)
}

// The built binary on a SQLite PJSIP realtime database, with Kamailio
// standing in for Asterisk's registrar: login reports the schema, accounts
// create / password rotate / check / list / delete go through the neutral
// commands and custody, and what Asterisk lacks exits 2 saying so.
func TestAsteriskCLI(t *testing.T) {
	t.Parallel()
	db := asterisktest.SQLite(t)
	k := asterisktest.Kamailio(t, db)
	c := cli{t: t, env: testenv.NewEnv(t)}
	const domain = "127.0.0.1"

	out := c.ok("", "auth", "login", "--profile", "pbx", "--provider", "asterisk", "--db-url", db.URL, "--registrar", k.SIP)
	if !strings.Contains(out, "alembic version "+asterisktest.AlembicVersion) || !strings.Contains(out, `profile "pbx"`) {
		t.Fatalf("login: %s", out)
	}
	c.fails(2, "--rpc-url is for --provider kamailio", "", "auth", "login", "--profile", "x", "--provider", "asterisk", "--db-url", db.URL, "--registrar", k.SIP, "--rpc-url", "http://127.0.0.1:1/RPC")
	empty := "sqlite://" + filepath.Join(t.TempDir(), "none.db")
	c.fails(6, "did not answer", "", "auth", "login", "--profile", "y", "--provider", "asterisk", "--db-url", empty, "--registrar", k.SIP)

	if out := c.ok("", "profile", "show", "pbx"); !strings.Contains(out, db.URL) {
		t.Fatalf("profile show: %s", out)
	}
	if out := c.ok("", "--profile", "pbx", "domains", "list"); !strings.Contains(out, domain) {
		t.Fatalf("domains list: %s", out)
	}
	var created map[string]any
	out = c.ok("", "--profile", "pbx", "accounts", "create", "frank", "--domain", domain, "--json")
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("accounts create --json: %v\n%s", err, out)
	}
	first, _ := created["password"].(string)
	if len(first) < 16 {
		t.Fatalf("accounts create: %s", out)
	}
	want(t, probe(t, k.SIP, "frank", domain, first), sip.Accepted)
	c.fails(1, "already exists", "", "--profile", "pbx", "accounts", "create", "frank", "--domain", domain)

	handover := filepath.Join(t.TempDir(), "handover.json")
	c.ok("", "--profile", "pbx", "password", "rotate", "--domain", domain, "--yes", "--output", handover)
	c.ok("", "--profile", "pbx", "accounts", "check", "frank@"+domain, "--from-handover", handover)
	c.fails(5, "rejected", first+"\n", "--profile", "pbx", "accounts", "check", "frank@"+domain, "--password-stdin")

	c.ok("", "--profile", "pbx", "accounts", "create", "ci1", "--domain", domain, "--ttl", "2h")
	if out := c.ok("", "--profile", "pbx", "accounts", "show", "ci1@"+domain, "--json"); !strings.Contains(out, `"expires_at"`) {
		t.Fatalf("show of an expiring account: %s", out)
	}
	if out := c.ok("", "--profile", "pbx", "accounts", "list", "--domain", domain); !strings.Contains(out, "frank") || !strings.Contains(out, "ci1") {
		t.Fatalf("accounts list: %s", out)
	}
	c.fails(2, "asterisk has no credential lists", "", "--profile", "pbx", "credlists", "list")
	c.ok("", "--profile", "pbx", "accounts", "delete", "frank@"+domain, "--yes")
	c.fails(5, "rejected", "", "--profile", "pbx", "accounts", "check", "frank@"+domain, "--from-handover", handover)

	// --template copies an existing endpoint's settings.
	raw := db.Open(t)
	if _, err := raw.Exec("INSERT INTO ps_endpoints (id, context, allow) VALUES ('desk-template', 'desks', 'g722')"); err != nil {
		t.Fatal(err)
	}
	c.ok("", "--profile", "pbx", "accounts", "create", "gina", "--domain", domain, "--template", "desk-template", "--json")
	var ctxName, allow string
	if err := raw.QueryRow("SELECT context, allow FROM ps_endpoints WHERE id = 'gina'").Scan(&ctxName, &allow); err != nil || ctxName != "desks" || allow != "g722" {
		t.Fatalf("gina's endpoint: %q %q %v", ctxName, allow, err)
	}
	c.fails(1, `template endpoint "nosuch"`, "", "--profile", "pbx", "accounts", "create", "hal", "--domain", domain, "--template", "nosuch", "--json")

	// apply and export go through the neutral core as on every provider.
	manifest := filepath.Join(t.TempDir(), "pbx.yaml")
	os.WriteFile(manifest, []byte("provider: asterisk\ndomains:\n  - name: \""+domain+"\"\n    accounts:\n      - \"201\"\n      - \"202\"\n"), 0o644)
	applied := filepath.Join(t.TempDir(), "applied.json")
	c.ok("", "--profile", "pbx", "apply", "-f", manifest, "--output", applied)
	c.ok("", "--profile", "pbx", "accounts", "check", "--from-handover", applied)
	if out := c.ok("", "--profile", "pbx", "export"); !strings.Contains(out, "provider: asterisk") || !strings.Contains(out, `"202"`) {
		t.Fatalf("export: %s", out)
	}

	// An AMI (a scripted one) is logged in to before anything is saved: a
	// wrong secret is refused (exit 4). Its secret comes after the database
	// password on standard input (none for SQLite). The keyring side is
	// internal/cmd/auth's TestAsteriskLoginKeepsTheAMISecretInTheKeyring.
	ami := asterisktest.ScriptedAMI(t, false)
	c.fails(4, "refused the login", "wrong\n", "auth", "login", "--profile", "pbx", "--provider", "asterisk", "--ami", ami.Addr(), "--ami-user", "sipctl", "--with-token")
}
