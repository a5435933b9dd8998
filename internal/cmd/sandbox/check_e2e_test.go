package sandbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// `accounts check` on the sandbox profile works as --verify does: it finds
// the running `sandbox serve` (never DNS, which would send a sandbox password
// to Twilio's real office.sip.twilio.com), completes a short domain as every
// other command, and checks a whole handover file at once.
func TestAccountsCheckOnTheSandboxEndToEnd(t *testing.T) {
	env := testenv.NewEnv(t)
	const pw101, pw102 = "Hq-101-Pass-word-2026", "Hq-102-Pass-word-2026"
	mustRun(t, env, "", "domains", "create", "hq", "--sip-registration")
	mustRun(t, env, pw101+"\n", "accounts", "create", "101", "--domain", "hq", "--password-stdin")
	mustRun(t, env, pw102+"\n", "accounts", "create", "102@hq", "--password-stdin")

	r := sipctl(t, env, pw101+"\n", "accounts", "check", "101@hq", "--password-stdin")
	if r.code != 6 || !strings.Contains(r.stderr, "no sandbox registrar is running") || !strings.Contains(r.stderr, "sipctl sandbox serve") {
		t.Fatalf("without a serve: exit %d, want 6 and a hint\n%s", r.code, r.stderr)
	}

	_, _, sipAddr := startServeProcess(t, env)
	r = sipctl(t, env, pw101+"\n", "accounts", "check", "101@hq", "--password-stdin")
	if r.code != 0 || !strings.Contains(r.stdout, "Account\t101@hq.sip.twilio.com") || !strings.Contains(r.stdout, "Registrar\t"+sipAddr+" (udp)") {
		t.Fatalf("101@hq on the sandbox: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = sipctl(t, env, pw102+"\n", "accounts", "check", "101@hq", "--password-stdin")
	if r.code != 5 {
		t.Fatalf("wrong password: exit %d, want 5\n%s%s", r.code, r.stdout, r.stderr)
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`[{"username":"101","domain":"hq.sip.twilio.com","password":"`+pw101+`"},`+
		`{"username":"102","domain":"hq.sip.twilio.com","password":"`+pw102+`"}]`), 0o600)
	r = sipctl(t, env, "", "accounts", "check", "--from-handover", good)
	if r.code != 0 || strings.Count(r.stdout, "\taccepted\t") != 2 || !strings.Contains(r.stderr, "2 accepted, 0 rejected, 0 no answer") {
		t.Fatalf("good handover: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("sid,username,domain,password\nCR1,101,hq.sip.twilio.com,"+pw101+"\nCR2,102,hq.sip.twilio.com,"+pw101+"\n"), 0o600)
	r = sipctl(t, env, "", "accounts", "check", "--from-handover", bad)
	if r.code != 5 || !strings.Contains(r.stdout, "102@hq.sip.twilio.com\trejected") || !strings.Contains(r.stderr, "1 accepted, 1 rejected, 0 no answer") {
		t.Fatalf("handover with a wrong password: exit %d, want 5\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, pw101) {
		t.Fatal("a password was printed")
	}
}

// Every command that takes a username applies the provider's one validator
// (RFC 3261 user characters, then the provider's limits) before any change,
// naming the rule.
func TestUsernameRulesAreTheSameInEveryCommand(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, "", "domains", "create", "hq", "--sip-registration")
	for _, u := range []string{"a<b>", "a/b#c?", "j\u00fcrgen"} {
		for _, args := range [][]string{
			{"accounts", "create", u, "--domain", "hq"},
			{"accounts", "show", u, "--domain", "hq"},
			{"accounts", "delete", u, "--domain", "hq", "--yes"},
			{"accounts", "check", u + "@hq", "--registrar", "127.0.0.1:9", "--password-stdin"},
		} {
			r := sipctl(t, env, "Some-Password-123456\n", args...)
			if r.code != 2 || !strings.Contains(r.stderr, "RFC 3261") {
				t.Errorf("sipctl %s: exit %d, want 2 naming RFC 3261\n%s", strings.Join(args, " "), r.code, r.stderr)
			}
		}
	}
	r := sipctl(t, env, "", "accounts", "create", strings.Repeat("x", 33), "--domain", "hq")
	if r.code != 2 || !strings.Contains(r.stderr, "Twilio allows at most 32") {
		t.Errorf("33 characters: exit %d\n%s", r.code, r.stderr)
	}
	r = sipctl(t, env, "", "accounts", "create", "a@b@c", "--domain", "hq")
	if r.code != 2 || !strings.Contains(r.stderr, `"a@b@c" has 2 '@'`) {
		t.Errorf("a@b@c --domain hq: exit %d\n%s", r.code, r.stderr)
	}
	if r := mustRun(t, env, "", "accounts", "list", "--domain", "hq"); r.stdout != "" {
		t.Errorf("something was created:\n%s", r.stdout)
	}
}
