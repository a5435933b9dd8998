package sipctlcmd

import (
	"encoding/json"
	"strings"
	"testing"

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
