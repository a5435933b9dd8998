package sipctlcmd

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

const (
	e2eSID   = "AC11111111111111111111111111111111"
	e2eToken = "e2e-token-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env *testenv.Env, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), args...)
	cmd.Env = env.Environ()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errOut.String()}
}

// oneLineError checks the error is a single "error:" line, with at most a hint after it.
func oneLineError(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	var errLines []string
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if !strings.HasPrefix(l, "note: ") && !strings.HasPrefix(l, "hint: ") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 || !strings.HasPrefix(errLines[0], "error: ") || !strings.Contains(errLines[0], want) {
		t.Errorf("stderr %q, want one error line containing %q", r.stderr, want)
	}
}

func TestVersionAndHelpNeedNothing(t *testing.T) {
	env := testenv.NewEnv(t)
	// A config file that cannot be read must not matter to --version/--help.
	os.MkdirAll(filepath.Join(env.ConfigHome, "sipctl", "config.yaml"), 0o700)
	r := run(t, env, "", "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "sipctl version ") {
		t.Fatalf("--version: %+v", r)
	}
	r = run(t, env, "", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "password") || r.stderr != "" {
		t.Fatalf("--help: %+v", r)
	}
}

func TestBadInputIsOneLineWithExitCode(t *testing.T) {
	env := testenv.NewEnv(t)
	oneLineError(t, run(t, env, "", "domainz"), 2, `unknown command "domainz" for "sipctl"; did you mean domains`)
	oneLineError(t, run(t, env, "", "domains", "list", "--frobnicate"), 2, "unknown flag: --frobnicate")
	oneLineError(t, run(t, env, "", "--profile", "nope", "domains", "list"), 1, `profile "nope" not found`)
	oneLineError(t, run(t, env, "", "domains", "list", "--jq", ".[ |"), 2, "invalid --jq expression")
	oneLineError(t, run(t, env, "", "domains", "frobnicate", "x"), 2, `unknown command "frobnicate" for "sipctl domains"`)
	oneLineError(t, run(t, env, "", "accounts", "lst"), 2, `did you mean list`)
	// Unknown names are errors (1), whether a profile or a subaccount.
	oneLineError(t, run(t, env, "", "--subaccount", "nope", "domains", "list"), 1, `no subaccount named "nope"`)
	// A bad --json field is refused before the sandbox is even opened.
	r := run(t, env, "", "domains", "list", "--json=bogus")
	oneLineError(t, r, 2, `unknown JSON field "bogus"`)
	if strings.Contains(r.stderr, "working against") {
		t.Errorf("--json=bogus reached the provider: %q", r.stderr)
	}

	bad := testenv.NewEnv(t).Set("TWILIO_ACCOUNT_SID", "AC123").Set("TWILIO_AUTH_TOKEN", "x")
	oneLineError(t, run(t, bad, "", "domains", "list"), 1, `invalid account SID "AC123"`)

	plain := testenv.NewEnv(t).Set("TWILIO_ACCOUNT_SID", e2eSID).Set("TWILIO_AUTH_TOKEN", "x").Set("SIPCTL_API_URL", "http://api.example.com")
	oneLineError(t, run(t, plain, "", "domains", "list"), 1, "http is allowed only for loopback")

	down := testenv.NewEnv(t).Set("TWILIO_ACCOUNT_SID", e2eSID).Set("TWILIO_AUTH_TOKEN", "x").Set("SIPCTL_API_URL", "http://127.0.0.1:1")
	oneLineError(t, run(t, down, "", "domains", "list"), 6, "cannot reach 127.0.0.1:1")

	unreadable := testenv.NewEnv(t)
	os.MkdirAll(filepath.Join(unreadable.ConfigHome, "sipctl", "config.yaml"), 0o700)
	oneLineError(t, run(t, unreadable, "", "domains", "list"), 1, "cannot read config file")
}

// fakeTwilio answers the domain list the way Twilio does and records what it saw.
func fakeTwilio(t *testing.T, status int, body string) (*httptest.Server, *[]*http.Request) {
	t.Helper()
	var seen []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestCIEnvironmentAuthAndDebugRedaction(t *testing.T) {
	srv, seen := fakeTwilio(t, 200, `{"domains":[{"sid":"SD00000000000000000000000000000001","domain_name":"office.sip.twilio.com","friendly_name":"Office","sip_registration":true,"date_created":"Mon, 02 Nov 2026 10:00:00 +0000"}],"next_page_uri":null}`)
	env := testenv.NewEnv(t).Set("TWILIO_ACCOUNT_SID", e2eSID).Set("TWILIO_AUTH_TOKEN", e2eToken).Set("SIPCTL_API_URL", srv.URL).Set("SIPCTL_DEBUG", "1")
	r := run(t, env, "", "domains", "list", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"domain_name": "office.sip.twilio.com"`) {
		t.Fatalf("%+v", r)
	}
	if len(*seen) != 1 {
		t.Fatalf("%d requests", len(*seen))
	}
	req := (*seen)[0]
	if u, p, _ := req.BasicAuth(); u != e2eSID || p != e2eToken || req.URL.Path != "/2010-04-01/Accounts/"+e2eSID+"/SIP/Domains.json" {
		t.Errorf("request %s as %s", req.URL.Path, u)
	}
	if !strings.HasPrefix(req.UserAgent(), "sipctl/") {
		t.Errorf("user agent %q", req.UserAgent())
	}
	if !strings.Contains(r.stderr, "> GET ") || !strings.Contains(r.stderr, "Authorization: [REDACTED]") {
		t.Errorf("SIPCTL_DEBUG=1 did not log the request:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr+r.stdout, e2eToken) {
		t.Fatalf("the token leaked into the output")
	}
}

// TestNoKeyringExit4 is `auth status` for a saved profile where no Secret
// Service can be reached: authentication is missing (4), with a hint.
func TestNoKeyringExit4(t *testing.T) {
	env := testenv.NewEnv(t).Set("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus").Set("PATH", "/nonexistent")
	cfgDir := filepath.Join(env.ConfigHome, "sipctl")
	os.MkdirAll(cfgDir, 0o700)
	os.WriteFile(filepath.Join(cfgDir, "config.yaml"), []byte("current_profile: acme\nprofiles:\n  acme:\n    provider: twilio\n    account_sid: "+e2eSID+"\n"), 0o600)
	r := run(t, env, "", "auth", "status")
	if r.code != 4 || !strings.Contains(r.stderr, "hint: ") || !strings.Contains(r.stderr, "--insecure-storage") || strings.Contains(r.stderr, "exec: ") {
		t.Errorf("exit %d, stderr %q; want 4 with a hint", r.code, r.stderr)
	}
}

func TestRefusedCredentialsExit4(t *testing.T) {
	srv, _ := fakeTwilio(t, 401, `{"code":20003,"message":"Authenticate","more_info":"https://www.twilio.com/docs/errors/20003","status":401}`)
	env := testenv.NewEnv(t).Set("TWILIO_ACCOUNT_SID", e2eSID).Set("TWILIO_AUTH_TOKEN", e2eToken).Set("SIPCTL_API_URL", srv.URL)
	oneLineError(t, run(t, env, "", "domains", "list"), 4, "Twilio error 20003")
}
