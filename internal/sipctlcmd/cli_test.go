package sipctlcmd

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

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
		"CURRENT", "PROVIDER", "ACCOUNT", "DEFAULT", "API", "URL", "CREDENTIALS", "USERNAMES", "ADDRESSES", "UPDATED", "FRIENDLY"} {
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
			for _, id := range ids {
				if !containsIdentifier(lines, id) {
					t.Errorf("%s at %d columns: %s is not on a line whole or as head…tail:\n%s", name, cols, id, r.stdout)
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
