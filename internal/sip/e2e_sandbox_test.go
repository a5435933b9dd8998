package sip

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/sip/sipptest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// sipctlRun runs the built binary in env with stdin and returns its output
// and exit status.
type sipctlRun func(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int)

func sipctlRunner(env *testenv.Env) sipctlRun {
	return func(t *testing.T, stdin string, args ...string) (string, string, int) {
		t.Helper()
		return env.Run(t, stdin, args...)
	}
}

// TestSandboxServeEndToEnd proves sipctl's accounts with SIP REGISTERs from
// sipp, a peer sipctl did not write: the built binary runs `sandbox serve`,
// creates a domain and an account, checks and rotates its password, and sipp
// registers with the printed and handed-over passwords.
func TestSandboxServeEndToEnd(t *testing.T) {
	testenv.LookPath(t, "sipp")
	env := testenv.NewEnv(t)
	run := sipctlRunner(env)
	srv := testenv.StartServe(t, env)
	sipAddr := srv.SIPAddr

	const domain = "office.sip.twilio.com"
	const aor = "alice@" + domain
	var secrets []string // every password seen, to prove none leaks to stderr
	var stderrs []string
	must := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, code := run(t, stdin, args...)
		stderrs = append(stderrs, errOut)
		if code != 0 {
			t.Fatalf("sipctl %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	sipp := func(password string, transport string, expect int) {
		t.Helper()
		if ok, out := runSipp(t, sipAddr, transport, domain, "alice", password, expect); !ok {
			t.Fatalf("sipp over %s did not get %d:\n%s", transport, expect, out)
		}
	}
	check := func(stdin string, want int, extra ...string) string {
		t.Helper()
		args := append([]string{"accounts", "check", aor, "--registrar", sipAddr, "--password-stdin"}, extra...)
		out, errOut, code := run(t, stdin+"\n", args...)
		stderrs = append(stderrs, errOut)
		if code != want {
			t.Fatalf("accounts check %v: exit %d, want %d\n%s%s", extra, code, want, out, errOut)
		}
		return out
	}

	must("", "domains", "create", "office", "--sip-registration")
	var created struct {
		Username, Domain, Password string
	}
	if err := json.Unmarshal([]byte(must("", "accounts", "create", "alice", "--domain", "office", "--json")), &created); err != nil ||
		created.Password == "" || created.Domain != domain {
		t.Fatalf("accounts create --json: %+v, %v", created, err)
	}
	first := created.Password
	secrets = append(secrets, first)

	t.Run("sipp registers with the printed password", func(t *testing.T) {
		sipp(first, "udp", 200)
		sipp(first, "tcp", 200)
		sipp("Wrong-Password-2024x", "udp", 403)
	})
	t.Run("accounts check", func(t *testing.T) {
		if out := check(first, 0, "--json"); !strings.Contains(out, `"outcome": "accepted"`) {
			t.Fatalf("accepted check printed:\n%s", out)
		}
		if out := check("Wrong-Password-2024x", 5, "--json"); !strings.Contains(out, `"status_code": 403`) {
			t.Fatalf("rejected check printed:\n%s", out)
		}
		dead := sipptest.FreePort(t)
		_, errOut, code := run(t, first+"\n", "accounts", "check", aor, "--registrar", fmt.Sprintf("127.0.0.1:%d", dead),
			"--password-stdin", "--timeout", "500ms")
		stderrs = append(stderrs, errOut)
		if code != 6 || !strings.Contains(errOut, "no answer") {
			t.Fatalf("dead port: exit %d, want 6\n%s", code, errOut)
		}
	})

	dir := t.TempDir()
	handover := filepath.Join(dir, "h.json")
	t.Run("password rotate --verify finds the serve's registrar", func(t *testing.T) {
		_, errOut, code := run(t, "", "password", "rotate", aor, "--yes", "--output", handover, "--verify")
		stderrs = append(stderrs, errOut)
		if code != 0 || !strings.Contains(errOut, "Verified 1 of 1 with "+sipAddr+" (udp).") {
			t.Fatalf("rotate --verify: exit %d\n%s", code, errOut)
		}
	})
	recs := readRecordsFile(t, handover)
	if len(recs) != 1 || recs[0].Username != "alice" || recs[0].Verified != "accepted" || recs[0].Password == "" || recs[0].Password == first {
		t.Fatalf("handover %+v", recs)
	}
	second := recs[0].Password
	secrets = append(secrets, second)

	t.Run("after rotation the old password fails and the new one registers", func(t *testing.T) {
		sipp(first, "udp", 403)
		check(first, 5)
		sipp(second, "udp", 200)
		sipp(second, "tcp", 200)
		check(second, 0)
		must("", "accounts", "check", aor, "--registrar", sipAddr, "--from-handover", handover)
	})

	t.Run("an unverified rotation exits 3 and keeps the password", func(t *testing.T) {
		h2 := filepath.Join(dir, "h2.json")
		dead := fmt.Sprintf("127.0.0.1:%d", sipptest.FreePort(t))
		_, errOut, code := run(t, "", "password", "rotate", aor, "--yes", "--output", h2, "--verify", "--registrar", dead)
		stderrs = append(stderrs, errOut)
		if code != 3 || !strings.Contains(errOut, "not verified: "+aor) ||
			!strings.Contains(errOut, "sipctl accounts check "+aor+" --from-handover "+h2+" --registrar "+dead) {
			t.Fatalf("rotate --verify to a dead registrar: exit %d, want 3\n%s", code, errOut)
		}
		r := readRecordsFile(t, h2)
		if len(r) != 1 || r[0].Verified != "no-answer" || r[0].Password == "" || r[0].Password == second {
			t.Fatalf("handover %+v", r)
		}
		secrets = append(secrets, r[0].Password)
		sipp(second, "udp", 403)
		sipp(r[0].Password, "udp", 200)
	})

	t.Run("accounts create --verify", func(t *testing.T) {
		out, errOut, code := run(t, "", "accounts", "create", "bob", "--domain", "office", "--verify", "--json")
		stderrs = append(stderrs, errOut)
		var bob struct{ Password string }
		if code != 0 || json.Unmarshal([]byte(out), &bob) != nil || bob.Password == "" ||
			!strings.Contains(errOut, "Verified with "+sipAddr+" (udp): accepted (200 OK)") {
			t.Fatalf("create --verify: exit %d\n%s%s", code, out, errOut)
		}
		secrets = append(secrets, bob.Password)
		if ok, out := runSipp(t, sipAddr, "udp", domain, "bob", bob.Password, 200); !ok {
			t.Fatalf("sipp as bob:\n%s", out)
		}
	})

	all := strings.Join(stderrs, "\n") + srv.Output()
	for _, s := range secrets {
		if strings.Contains(all, s) {
			t.Fatal("a password appeared on stderr")
		}
	}
	if strings.Contains(srv.Output(), "level=ERROR") {
		t.Fatalf("sandbox serve logged errors:\n%s", srv.Output())
	}
}

type handoverRecord struct {
	Username, Domain, Password, Verified string
}

func readRecordsFile(t *testing.T, path string) []handoverRecord {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("handover %s: %v %v", path, st, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rs []handoverRecord
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	return rs
}
