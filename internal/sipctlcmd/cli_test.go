package sipctlcmd

import (
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sipctl/sipctl/internal/config"
	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/password"
	"github.com/sipctl/sipctl/internal/testenv"
)

// mustRun runs sipctl and fails the test unless it exits with code.
func mustRun(t *testing.T, env *testenv.Env, code int, args ...string) result {
	t.Helper()
	r := run(t, env, "", args...)
	if r.code != code {
		t.Fatalf("sipctl %s: exit %d, want %d\nstdout %s\nstderr %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	return r
}

func TestLimitQuietAndVersionJSON(t *testing.T) {
	env := testenv.NewEnv(t)
	for _, d := range []string{"alpha", "bravo", "charlie"} {
		mustRun(t, env, 0, "domains", "create", d)
	}
	r := mustRun(t, env, 0, "domains", "list", "--limit", "2")
	if n := strings.Count(r.stdout, "\n"); n != 2 {
		t.Errorf("--limit 2 printed %d rows:\n%s", n, r.stdout)
	}
	if !strings.Contains(r.stderr, "note: working against the local sandbox") {
		t.Errorf("no sandbox note without --quiet: %q", r.stderr)
	}
	r = mustRun(t, env, 0, "domains", "list", "--limit=1", "--json")
	var items []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil || len(items) != 1 {
		t.Errorf("--limit=1 --json: %v %s", err, r.stdout)
	}
	mustRun(t, env, 2, "domains", "list", "--limit", "-1")

	if r := mustRun(t, env, 0, "--quiet", "domains", "list"); r.stderr != "" {
		t.Errorf("--quiet left %q on stderr", r.stderr)
	}
	quiet := testenv.NewEnv(t).Set("SIPCTL_QUIET", "1")
	if r := mustRun(t, quiet, 0, "domains", "list"); r.stderr != "" {
		t.Errorf("SIPCTL_QUIET=1 left %q on stderr", r.stderr)
	}

	r = mustRun(t, env, 0, "version", "--json")
	var v map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || v["version"] == "" || !strings.HasPrefix(v["go_version"], "go") {
		t.Errorf("version --json: %v %s", err, r.stdout)
	}
	if r := mustRun(t, env, 0, "version", "--json=version", "--jq", ".version"); strings.TrimSpace(r.stdout) != v["version"] {
		t.Errorf("version --jq .version: %q", r.stdout)
	}
}

// sandboxWithLongNames fills a fresh sandbox with names long enough that
// no 80-column table holds them whole.
func sandboxWithLongNames(t *testing.T) *testenv.Env {
	t.Helper()
	env := testenv.NewEnv(t).Set("SIPCTL_QUIET", "1")
	mustRun(t, env, 0, "domains", "create", "office", "--sip-registration")
	mustRun(t, env, 0, "domains", "create", "a-very-long-customer-branch-office-name", "--sip-registration", "--friendly-name", "Branch office of a customer with a long name")
	for _, u := range []string{"alice", "reception-desk-ground-floor-west", "conference-room-7th-floor-north"} {
		mustRun(t, env, 0, "accounts", "create", u, "--domain", "office", "--json")
	}
	mustRun(t, env, 0, "credlists", "create", "contractors-and-temporary-staff-of-the-west-wing")
	mustRun(t, env, 0, "ipacls", "create", "carrier-gateways-in-the-frankfurt-data-centre")
	return env
}

// sids are the values of "sid" in a JSON array.
func sids(t *testing.T, js string) []string {
	t.Helper()
	var items []map[string]any
	if err := json.Unmarshal([]byte(js), &items); err != nil {
		t.Fatalf("%v: %s", err, js)
	}
	var out []string
	for _, it := range items {
		if s, ok := it["sid"].(string); ok {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no SIDs in %s", js)
	}
	return out
}

// TestTablesFitTheTerminal renders list tables as on a terminal of 80 and 160
// columns: every line fits, each SID is on one line whole or as its head and
// tail around an ellipsis (never wrapped), headers are whole words; --wide
// and a pipe print every SID whole.
func TestTablesFitTheTerminal(t *testing.T) {
	env := sandboxWithLongNames(t)
	headerWords := map[string]bool{"…": true}
	for _, h := range []string{"USERNAME", "CREDENTIAL", "LIST", "SID", "CREATED", "DOMAIN", "NAME", "REGISTRATION", "SECURE",
		"CURRENT", "PROVIDER", "ACCOUNT", "DEFAULT", "API", "URL", "CREDENTIALS", "USERNAMES", "ADDRESSES", "UPDATED", "FRIENDLY", "STATUS"} {
		headerWords[h] = true
	}
	for _, args := range [][]string{
		{"accounts", "list", "--domain", "office"},
		{"domains", "list"},
		{"credlists", "list"},
		{"ipacls", "list"},
		{"profile", "list"},
	} {
		name := strings.Join(args, " ")
		var ids []string
		if args[0] != "profile" {
			ids = sids(t, mustRun(t, env, 0, append(args, "--json")...).stdout)
		}
		for _, cols := range []int{80, 160} {
			r := run(t, env.Set("SIPCTL_FORCE_TTY", "1").Set("COLUMNS", fmt.Sprint(cols)), "", args...)
			env.Set("SIPCTL_FORCE_TTY", "").Set("COLUMNS", "")
			if r.code != 0 {
				t.Fatalf("%s: exit %d: %s", name, r.code, r.stderr)
			}
			lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
			for _, l := range lines {
				if w := utf8.RuneCountInString(l); w > cols {
					t.Errorf("%s at %d columns: a line of %d:\n%s", name, cols, w, r.stdout)
				}
			}
			for _, word := range strings.Fields(lines[0]) {
				if !headerWords[strings.TrimSuffix(word, "…")] {
					t.Errorf("%s at %d columns: header word %q is cut:\n%s", name, cols, word, r.stdout)
				}
			}
			// A SID gives way as head…tail, or with its column when the
			// names a user types next need the room, which a note says.
			leftOut := strings.Contains(r.stderr, "left out to fit")
			for _, id := range ids {
				if !containsIdentifier(lines, id) && !leftOut {
					t.Errorf("%s at %d columns: %s is not on a line whole or as head…tail:\n%s", name, cols, id, r.stdout)
				}
			}
			for _, id := range names(t, mustRun(t, env, 0, append(args, "--json")...).stdout) {
				if !strings.Contains(r.stdout, id) {
					t.Errorf("%s at %d columns: %s is cut:\n%s", name, cols, id, r.stdout)
				}
			}
		}
		wide := run(t, env.Set("SIPCTL_FORCE_TTY", "80"), "", append(args, "--wide")...)
		env.Set("SIPCTL_FORCE_TTY", "")
		pipe := mustRun(t, env, 0, args...)
		for _, id := range ids {
			if !strings.Contains(wide.stdout, id) || !strings.Contains(pipe.stdout, id) {
				t.Errorf("%s: --wide or the pipe lacks %s whole:\n%s\n%s", name, id, wide.stdout, pipe.stdout)
			}
		}
	}
}

// names are the usernames and domain names of a --json listing: what a
// user types next, never cut.
func names(t *testing.T, js string) []string {
	t.Helper()
	var items []map[string]any
	json.Unmarshal([]byte(js), &items)
	var out []string
	for _, it := range items {
		for _, k := range []string{"username", "domain_name"} {
			if v, ok := it[k].(string); ok && v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// containsIdentifier: some line holds id whole, or a token that is a head of
// id, an ellipsis and a tail of id, each at least 3 characters long.
func containsIdentifier(lines []string, id string) bool {
	for _, l := range lines {
		for _, tok := range strings.Fields(l) {
			if tok == id {
				return true
			}
			head, tail, ok := strings.Cut(tok, "…")
			if ok && len(head) >= 3 && len(tail) >= 3 && strings.HasPrefix(id, head) && strings.HasSuffix(id, tail) {
				return true
			}
		}
	}
	return false
}

// `profile set/get` change the sandbox profile's settings, which commands then
// use; a bad value is refused naming key, value and what is allowed.
func TestProfileSetAndGet(t *testing.T) {
	env := testenv.NewEnv(t).Set("SIPCTL_QUIET", "1")
	mustRun(t, env, 0, "domains", "create", "office", "--sip-registration")
	r := mustRun(t, env, 2, "accounts", "create", "alice")
	if !strings.Contains(r.stderr, "sipctl profile set default_domain NAME") {
		t.Errorf("the hint does not name the command: %q", r.stderr)
	}
	mustRun(t, env, 0, "profile", "set", "default_domain", "office")
	if r := mustRun(t, env, 0, "profile", "get", "default_domain"); r.stdout != "office\n" {
		t.Errorf("profile get default_domain = %q", r.stdout)
	}
	mustRun(t, env, 0, "accounts", "create", "alice", "--json")
	if r := mustRun(t, env, 0, "accounts", "list", "--json=username", "--jq", ".[].username"); r.stdout != "alice\n" {
		t.Errorf("accounts list on the default domain: %q", r.stdout)
	}
	r = mustRun(t, env, 2, "profile", "set", "password_policy", "strongest")
	oneLineError(t, r, 2, `password_policy "strongest" is not allowed`)
	r = mustRun(t, env, 2, "profile", "set", "colour", "blue")
	oneLineError(t, r, 2, `unknown profile setting "colour"`)
	mustRun(t, env, 0, "profile", "set", "default_domain", "")
	if r := mustRun(t, env, 0, "profile", "get", "default_domain"); r.stdout != "" {
		t.Errorf("after clearing: %q", r.stdout)
	}
	mustRun(t, env, 1, "--profile", "nope", "profile", "get", "api_url")
}

// complete runs cobra's __complete as a shell does on Tab and returns the
// candidates (without descriptions) and the directive line.
func complete(t *testing.T, env *testenv.Env, args ...string) ([]string, string) {
	t.Helper()
	r := run(t, env, "", append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %v: exit %d: %s", args, r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	var out []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		out = append(out, v)
	}
	return out, lines[len(lines)-1]
}

// TestCompletionOfNamesAndChoices asks for completions as the shell does,
// against the sandbox of the active profile.
func TestCompletionOfNamesAndChoices(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, 0, "domains", "create", "office", "--sip-registration")
	mustRun(t, env, 0, "domains", "create", "warehouse")
	mustRun(t, env, 0, "credlists", "create", "staff")
	mustRun(t, env, 0, "ipacls", "create", "carriers")
	mustRun(t, env, 0, "subaccounts", "create", "acme")
	stateDir := filepath.Join(env.StateHome, "sipctl")
	j, err := journal.Create(journal.Dir(stateDir), journal.Header{RunID: "20261201T000000.000000000Z-0badcafe", Profile: "sandbox"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()

	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"domains", "show", ""}, []string{"office.sip.twilio.com", "warehouse.sip.twilio.com"}},
		{[]string{"domains", "show", "w"}, []string{"warehouse.sip.twilio.com"}},
		{[]string{"accounts", "list", "--domain", ""}, []string{"office.sip.twilio.com", "warehouse.sip.twilio.com"}},
		{[]string{"credlists", "show", ""}, []string{"staff"}},
		{[]string{"attach", "credlist", "staff", "--domain", "o"}, []string{"office.sip.twilio.com"}},
		{[]string{"ipacls", "addresses", "add", ""}, []string{"carriers"}},
		{[]string{"subaccounts", "suspend", ""}, []string{"acme"}},
		{[]string{"--subaccount", ""}, []string{"acme"}},
		{[]string{"profile", "use", ""}, []string{"sandbox"}},
		{[]string{"--profile", ""}, []string{"sandbox"}},
		{[]string{"password", "rotate", "--resume="}, []string{"all", "20261201T000000.000000000Z-0badcafe"}},
		{[]string{"attach", "credlist", "staff", "--for", ""}, []string{"calls", "registrations", "both"}},
		{[]string{"password", "generate", "--policy", ""}, password.Names()},
		{[]string{"accounts", "check", "alice@office", "--transport", ""}, []string{"udp", "tcp", "tls"}},
		{[]string{"profile", "set", ""}, config.SettingKeys()},
	} {
		got, directive := complete(t, env, c.args...)
		if strings.Join(got, " ") != strings.Join(c.want, " ") || directive != ":4" {
			t.Errorf("complete %q = %q %s, want %q :4", c.args, got, directive, c.want)
		}
	}
	// The second argument of a one-name command is not completed as a name.
	if got, _ := complete(t, env, "domains", "show", "office", ""); len(got) != 0 {
		t.Errorf("second argument completed: %q", got)
	}
}

// An API that never answers costs the shell a bounded wait and no
// candidates, not a hang.
func TestCompletionIsBounded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // accept, never answer
		}
	}()
	env := testenv.NewEnv(t).Set("TWILIO_ACCOUNT_SID", e2eSID).Set("TWILIO_AUTH_TOKEN", e2eToken).Set("SIPCTL_API_URL", "http://"+ln.Addr().String())
	if got, directive := complete(t, env, "domains", "show", ""); len(got) != 0 || directive != ":4" {
		t.Errorf("complete against a silent API = %q %s", got, directive)
	}
}
