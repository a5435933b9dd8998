package sipctlcmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/testenv"
)

// One rule per thing, through the built binary: `--json a,b` selects as
// `--json=a,b` does, and a field a command never prints is refused.
func TestJSONFieldsAfterASpaceAndFieldsNeverPrinted(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, 0, "domains", "create", "office")
	for _, args := range [][]string{
		{"domains", "list", "--json", "domain_name,sid"},
		{"domains", "list", "--json=domain_name,sid"},
		{"domains", "show", "office", "--json", "domain_name,sid"},
		{"domains", "show", "--json", "domain_name,sid", "office"},
	} {
		r := mustRun(t, env, 0, args...)
		var v any
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
			t.Fatalf("%v: %v %s", args, err, r.stdout)
		}
		if strings.Contains(r.stdout, "voice_url") || !strings.Contains(r.stdout, `"domain_name"`) {
			t.Errorf("%v printed other fields: %s", args, r.stdout)
		}
	}
	if r := mustRun(t, env, 0, "domains", "list", "--json"); !strings.Contains(r.stdout, `"domain_name"`) || !strings.Contains(r.stdout, `"sid"`) {
		t.Errorf("--json alone: %s", r.stdout)
	}
	for _, args := range [][]string{
		{"accounts", "list", "--domain", "office", "--json", "username,password"},
		{"accounts", "list", "--domain", "office", "--json=password"},
		{"domains", "list", "--json", "domain_name,nonsense"},
	} {
		r := run(t, env, "", args...)
		oneLineError(t, r, 2, "unknown JSON field")
	}
}

// One account with --output, as the hint about --json=username suggests:
// created, its password in the file only.
func TestSingleCreateWithOutputFollowsTheHint(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, 0, "domains", "create", "office")
	r := run(t, env, "", "accounts", "create", "alice", "--domain", "office", "--json=username")
	oneLineError(t, r, 2, "--output FILE")
	out := filepath.Join(t.TempDir(), "h.csv")
	r = mustRun(t, env, 0, "accounts", "create", "alice", "--domain", "office", "--json=username", "--output", out)
	if strings.TrimSpace(r.stdout) != "{\n  \"username\": \"alice\"\n}" {
		t.Errorf("stdout %q", r.stdout)
	}
	recs, err := rotate.ReadHandover(out)
	if err != nil || len(recs) != 1 || recs[0].Password == "" || strings.Contains(r.stdout+r.stderr, recs[0].Password) {
		t.Errorf("handover %v %v", len(recs), err)
	}
	mustRun(t, env, 0, "accounts", "create", "bob", "--domain", "office", "--output", out)
}
