package auth_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
	"github.com/sipctl/sipctl/internal/keyring"
	"github.com/sipctl/sipctl/internal/testenv"
)

// TestKamailioLoginKeepsTheDBPasswordInTheKeyring: `auth login --provider
// kamailio` against a real PostgreSQL and Kamailio verifies the password
// before saving, keeps it in a real Secret Service (never in the config
// file or the output), and later commands read it from there.
func TestKamailioLoginKeepsTheDBPasswordInTheKeyring(t *testing.T) {
	db := kamailiotest.Postgres(t)
	k := kamailiotest.Start(t, db)
	env := testenv.NewEnv(t)
	ss := startBus(t, env)
	ss.startKeyring(t)
	login := []string{"auth", "login", "--profile", "pbx", "--provider", "kamailio", "--db-url", db.URL,
		"--rpc-url", k.RPCURL, "--registrar", k.SIP, "--with-token"}

	r := sipctl(t, ss.env, "not-the-password\n", login...)
	if r.code != 1 || !strings.Contains(r.stderr, "refused the login") || !strings.Contains(r.stderr, "nothing saved") {
		t.Fatalf("wrong password: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := keyring.Get(keyring.Service, "profile:pbx"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("a refused password reached the keyring: %v", err)
	}

	r = sipctl(t, ss.env, db.Password+"\n", login...)
	if r.code != 0 || !strings.Contains(r.stdout, "Logged in to kamailio") || !strings.Contains(r.stderr, "OS keyring") {
		t.Fatalf("login: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, db.Password) {
		t.Fatal("login printed the database password")
	}
	if got, err := keyring.Get(keyring.Service, "profile:pbx"); err != nil || got != db.Password {
		t.Fatalf("keyring holds %q, %v", got, err)
	}
	r = sipctl(t, ss.env, "", "profile", "show", "pbx")
	if strings.Contains(r.stdout+r.stderr, db.Password) || !strings.Contains(r.stdout, db.URL) {
		t.Fatalf("profile show: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	if r = sipctl(t, ss.env, "", "--profile", "pbx", "domains", "create", "keyring.example.test"); r.code != 0 {
		t.Fatalf("domains create with the password from the keyring: exit %d\n%s", r.code, r.stderr)
	}
	if r = sipctl(t, ss.env, "", "--profile", "pbx", "domains", "list"); r.code != 0 || !strings.Contains(r.stdout, "keyring.example.test") {
		t.Fatalf("domains list: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
