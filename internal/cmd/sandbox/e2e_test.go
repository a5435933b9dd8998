package sandbox_test

import (
	"bufio"
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/sandbox/sandboxtest"
	"github.com/sipctl/sipctl/internal/testenv"
	_ "modernc.org/sqlite"
)

type result struct {
	stdout, stderr string
	code           int
}

func sipctl(t testing.TB, env *testenv.Env, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), args...)
	cmd.Env = env.Environ()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{out.String(), errb.String(), code}
}

func mustRun(t *testing.T, env *testenv.Env, stdin string, args ...string) result {
	t.Helper()
	r := sipctl(t, env, stdin, args...)
	if r.code != 0 {
		t.Fatalf("sipctl %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

// On a fresh install the default profile is the sandbox, in-process: the
// main job runs with no set-up, and `sandbox serve` (another process on the
// same database) registers the account it created at once.
func TestFreshInstallMainJobAndRegistration(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, "", "domains", "create", "office", "--sip-registration")
	r := mustRun(t, env, "", "accounts", "create", "alice", "--domain", "office", "--json")
	if n := strings.Count(r.stderr, "working against the local sandbox"); n != 1 {
		t.Fatalf("stderr should note the sandbox once, got %d times:\n%s", n, r.stderr)
	}
	var acct struct{ Password, Username string }
	if err := json.Unmarshal([]byte(r.stdout), &acct); err != nil || acct.Password == "" || acct.Username != "alice" {
		t.Fatalf("accounts create --json: %v\n%s", err, r.stdout)
	}

	serve := exec.Command(testenv.Binary(t), "sandbox", "serve", "--http-addr", "127.0.0.1:0", "--sip-addr", "127.0.0.1:0")
	serve.Env = env.Environ()
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		serve.Process.Kill()
		serve.Wait()
	})
	var sipAddr string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "SIP registrar on "); ok {
			sipAddr, _, _ = strings.Cut(a, " ")
			break
		}
	}
	if sipAddr == "" {
		t.Fatal("sandbox serve did not report its SIP registrar")
	}
	go func() {
		for sc.Scan() {
		}
	}()

	st := mustRun(t, env, "", "sandbox", "status", "--json")
	var status struct {
		Serving    bool   `json:"serving"`
		SIPAddr    string `json:"sip_addr"`
		AccountSID string `json:"account_sid"`
		AuthToken  string `json:"auth_token"`
	}
	if err := json.Unmarshal([]byte(st.stdout), &status); err != nil || !status.Serving || status.SIPAddr != sipAddr ||
		!strings.HasPrefix(status.AccountSID, "AC") || len(status.AuthToken) != 32 {
		t.Fatalf("sandbox status --json = %s (%v)", st.stdout, err)
	}

	for _, tr := range []string{"udp", "tcp"} {
		r = sipctl(t, env, acct.Password+"\n", "accounts", "check", "alice@office.sip.twilio.com", "--registrar", sipAddr, "--transport", tr, "--password-stdin")
		if r.code != 0 {
			t.Fatalf("accounts check (%s) with the created password: exit %d\n%s%s", tr, r.code, r.stdout, r.stderr)
		}
	}
	r = sipctl(t, env, "Not-The-Password-1x\n", "accounts", "check", "alice@office.sip.twilio.com", "--registrar", sipAddr, "--password-stdin")
	if r.code != 5 {
		t.Fatalf("accounts check with a wrong password: exit %d, want 5\n%s", r.code, r.stderr)
	}
	r = sipctl(t, env, "", "sandbox", "reset")
	if r.code != 2 || !strings.Contains(r.stderr, "--yes") {
		t.Fatalf("sandbox reset without a terminal: exit %d\n%s", r.code, r.stderr)
	}
	mustRun(t, env, "", "sandbox", "reset", "--yes")
	r = mustRun(t, env, "", "domains", "list")
	if strings.TrimSpace(r.stdout) != "" {
		t.Fatalf("domains after reset:\n%s", r.stdout)
	}
}

// The command suite's requests and the sandbox's answers, checked by Prism
// against Twilio's document: the binary talks to the sandbox through Prism
// via SIPCTL_API_URL.
func TestCommandsThroughPrism(t *testing.T) {
	env := testenv.NewEnv(t)
	prism, _ := sandboxtest.ServeThroughPrism(t, filepath.Join(env.StateHome, "sipctl"))
	env.Set("SIPCTL_API_URL", prism.URL).Set("SIPCTL_PROVIDER", "sandbox")

	mustRun(t, env, "", "domains", "create", "office", "--sip-registration", "--voice-url", "https://example.com/voice")
	mustRun(t, env, "", "domains", "update", "office", "--friendly-name", "Office")
	r := mustRun(t, env, "", "accounts", "create", "alice", "--domain", "office", "--json")
	if !strings.Contains(r.stderr, prism.URL) {
		t.Fatalf("the sandbox note should name the served URL:\n%s", r.stderr)
	}
	mustRun(t, env, "Prism-Checked-Pass7x\n", "accounts", "create", "bob", "--domain", "office", "--password-stdin")
	r = mustRun(t, env, "", "accounts", "list", "--domain", "office", "--json")
	if !strings.Contains(r.stdout, `"alice"`) || !strings.Contains(r.stdout, `"bob"`) {
		t.Fatalf("accounts list:\n%s", r.stdout)
	}
	mustRun(t, env, "", "domains", "show", "office")
	mustRun(t, env, "", "credlists", "list")
	mustRun(t, env, "", "accounts", "delete", "bob@office.sip.twilio.com", "--yes")
	if n := prism.Requests(); n < 10 {
		t.Fatalf("only %d requests went through Prism", n)
	}
}

// A database written by a newer sipctl is refused with one clear line, by
// in-process commands and by the sandbox commands alike.
func TestNewerDatabaseRefused(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, "", "sandbox", "status")
	db, err := sql.Open("sqlite", filepath.Join(env.StateHome, "sipctl", "sandbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, args := range [][]string{{"domains", "list"}, {"sandbox", "status"}} {
		r := sipctl(t, env, "", args...)
		if r.code != 1 || !strings.Contains(r.stderr, "newer sipctl") || !strings.Contains(r.stderr, "upgrade sipctl") ||
			strings.Contains(r.stderr, "goroutine") {
			t.Fatalf("sipctl %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

// startServeProcess runs `sipctl sandbox serve` on free loopback ports and returns
// the process and its API and SIP addresses once it serves.
func startServeProcess(t *testing.T, env *testenv.Env) (*exec.Cmd, string, string) {
	t.Helper()
	serve := exec.Command(testenv.Binary(t), "sandbox", "serve", "--http-addr", "127.0.0.1:0", "--sip-addr", "127.0.0.1:0")
	serve.Env = env.Environ()
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		serve.Process.Kill()
		serve.Wait()
	})
	var apiURL, sipAddr string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "Sandbox API on "); ok {
			apiURL, _, _ = strings.Cut(a, " ")
		}
		if a, ok := strings.CutPrefix(sc.Text(), "SIP registrar on "); ok {
			sipAddr, _, _ = strings.Cut(a, " ")
			break
		}
	}
	if apiURL == "" || sipAddr == "" {
		t.Fatal("sandbox serve did not report its addresses")
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return serve, apiURL, sipAddr
}

// Two servers on one database: the second stopping (cleanly) must leave the
// first one tracked, by `sandbox status` and by --verify.
func TestStatusTracksEveryServe(t *testing.T) {
	env := testenv.NewEnv(t)
	_, firstURL, firstSIP := startServeProcess(t, env)
	second, secondURL, _ := startServeProcess(t, env)

	var st struct {
		Serving bool   `json:"serving"`
		APIURL  string `json:"api_url"`
		SIPAddr string `json:"sip_addr"`
		Servers []struct {
			APIURL string `json:"api_url"`
		} `json:"servers"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, env, "", "sandbox", "status", "--json").stdout), &st); err != nil || len(st.Servers) != 2 || st.APIURL != secondURL {
		t.Fatalf("with two servers: %+v %v", st, err)
	}
	second.Process.Signal(os.Interrupt)
	second.Wait()

	r := mustRun(t, env, "", "sandbox", "status", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || !st.Serving || st.APIURL != firstURL || st.SIPAddr != firstSIP || len(st.Servers) != 1 {
		t.Fatalf("after the second server stopped: %s (%v); want %s serving", r.stdout, err, firstURL)
	}
	// In a pipe, label TAB value, like every show command.
	r = mustRun(t, env, "", "sandbox", "status")
	if !strings.Contains(r.stdout, "Serving\tyes (pid ") || !strings.Contains(r.stdout, "API\t"+firstURL+" (Twilio)") {
		t.Errorf("sandbox status in a pipe:\n%s", r.stdout)
	}
	// --verify finds the live registrar.
	mustRun(t, env, "", "domains", "create", "office", "--sip-registration")
	r = mustRun(t, env, "", "accounts", "create", "alice", "--domain", "office", "--json", "--verify")
	if !strings.Contains(r.stdout+r.stderr, "accepted") {
		t.Errorf("--verify against the first server:\n%s\n%s", r.stdout, r.stderr)
	}
}
