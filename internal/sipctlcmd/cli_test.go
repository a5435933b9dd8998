package sipctlcmd

import (
	"encoding/json"
	"strings"
	"testing"

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
