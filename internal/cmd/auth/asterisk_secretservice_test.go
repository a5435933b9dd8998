package auth_test

import (
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/providers/asterisk/asterisktest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// TestAsteriskLoginKeepsTheAMISecretInTheKeyring: `auth login --provider
// asterisk --ami` logs in to a (scripted) AMI, keeps the database password
// and the AMI secret in a real Secret Service, and a later password change
// reads the secret from there to expire Asterisk's cached auth.
func TestAsteriskLoginKeepsTheAMISecretInTheKeyring(t *testing.T) {
	db := asterisktest.Postgres(t)
	ami := asterisktest.ScriptedAMI(t, false)
	env := testenv.NewEnv(t)
	ss := startBus(t, env)
	ss.startKeyring(t)
	r := sipctl(t, ss.env, db.Password+"\nright\n", "auth", "login", "--profile", "pbx", "--provider", "asterisk", "--db-url", db.URL,
		"--registrar", "127.0.0.1:5060", "--ami", ami.Addr(), "--ami-user", "sipctl", "--with-token")
	if r.code != 0 || !strings.Contains(r.stdout, "alembic version") || !strings.Contains(r.stdout, "Asterisk Call Manager") {
		t.Fatalf("login: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, db.Password) || strings.Contains(r.stdout+r.stderr, "right") {
		t.Fatal("login printed a secret")
	}
	if got, err := keyring.Get(keyring.Service, "profile:pbx:ami"); err != nil || got != "right" {
		t.Fatalf("keyring holds %q, %v", got, err)
	}
	if r = sipctl(t, ss.env, "", "--profile", "pbx", "accounts", "create", "alice", "--domain", "127.0.0.1"); r.code != 0 {
		t.Fatalf("accounts create: exit %d\n%s", r.code, r.stderr)
	}
	if r = sipctl(t, ss.env, "", "--profile", "pbx", "password", "rotate", "alice@127.0.0.1", "--yes", "--json"); r.code != 0 {
		t.Fatalf("password rotate: exit %d\n%s", r.code, r.stderr)
	}
	if got := strings.Join(ami.Expired(), ","); got != "res_pjsip/auth/alice" {
		t.Fatalf("expired %q after the rotation", got)
	}
}
