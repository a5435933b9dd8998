package sipctlcmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/journal"
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

// Tab offers account usernames (on --domain, else the default domain), run
// IDs and caller IDs.
func TestCompletionOfUsernamesRunsAndCallerIDs(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, 0, "domains", "create", "office")
	for _, u := range []string{"alice", "albert", "bob"} {
		mustRun(t, env, 0, "accounts", "create", u, "--domain", "office", "--json=username,password")
	}
	mustRun(t, env, 0, "callerid", "add", "+14155550100", "--name", "front desk")
	h := journal.Header{RunID: exampleRunID, Command: "password rotate", Profile: "sandbox", Provider: "sandbox"}
	j, err := journal.Create(journal.Dir(filepath.Join(env.StateHome, "sipctl")), h, []journal.Entry{{Op: journal.OpRotate,
		Provider: "sandbox", Profile: "sandbox", Username: "alice", Domain: "office.sip.twilio.com", Password: examplePassword}})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"accounts", "show", "--domain", "office", "al"}, "albert alice"},
		{[]string{"accounts", "delete", "-d", "office", "alice", "b"}, "bob"},
		{[]string{"password", "rotate", "--domain", "office", ""}, "albert alice bob"},
		{[]string{"password", "runs", "show", ""}, exampleRunID},
		{[]string{"password", "runs", "discard", ""}, exampleRunID},
		{[]string{"password", "rotate", "--resume="}, exampleRunID + " all"},
		{[]string{"callerid", "remove", ""}, "+14155550100"},
		{[]string{"accounts", "update", "alice", "--caller-id", ""}, "+14155550100"},
	} {
		got, _ := complete(t, env, tc.args...)
		slices.Sort(got)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("Tab after %v: %q, want %q", tc.args, got, tc.want)
		}
	}
	// Without a domain anywhere, nothing is guessed.
	if got, _ := complete(t, env, "accounts", "show", ""); len(got) != 0 {
		t.Errorf("no domain: %q", got)
	}
}

// A domain name too long for Twilio is refused as such before any
// request, and a refused create leaves no unfinished run.
func TestDomainTooLongIsRefusedBeforeAnyRequest(t *testing.T) {
	env := testenv.NewEnv(t)
	long := strings.Repeat("a", 59)
	for _, args := range [][]string{
		{"domains", "create", long},
		{"accounts", "create", "alice", "--domain", long},
		{"accounts", "create", "alice", "--domain", strings.Repeat("b", 64) + ".sip.twilio.com"},
	} {
		r := run(t, env, "", args...)
		oneLineError(t, r, 2, "is too long")
		if strings.Contains(r.stderr, "cannot be found") {
			t.Errorf("%v: %s", args, r.stderr)
		}
	}
	if r := mustRun(t, env, 0, "password", "runs", "list", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("a refused create left a run: %s", r.stdout)
	}
	mustRun(t, env, 0, "domains", "create", strings.Repeat("c", 58))
}

// accounts delete takes several accounts, a --from-file CSV or a
// handover: looked up before any is deleted, confirmed, counted exactly.
func TestAccountsDeleteSeveral(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, 0, "domains", "create", "office")
	dir := t.TempDir()
	handover := filepath.Join(dir, "h.csv")
	mustRun(t, env, 0, "accounts", "create", "101", "102", "103", "104", "105", "--domain", "office", "--output", handover)
	left := func() string {
		r := mustRun(t, env, 0, "accounts", "list", "--domain", "office", "--json=username", "--jq", ".[].username")
		return strings.Join(strings.Fields(r.stdout), " ")
	}

	// A missing account stops the run before any change; no --yes, no run.
	r := run(t, env, "", "accounts", "delete", "101", "999", "--domain", "office", "--yes")
	oneLineError(t, r, 1, "1 of the 2 accounts do not exist: 999@office.sip.twilio.com")
	oneLineError(t, run(t, env, "", "accounts", "delete", "101", "102", "--domain", "office"), 2, "pass --yes")
	oneLineError(t, run(t, env, "", "accounts", "delete", "a@b@c", "101", "--domain", "office", "--yes"), 2, "argument 1 (a@b@c)")
	if got := left(); got != "101 102 103 104 105" {
		t.Fatalf("refused deletes changed something: %s", got)
	}

	r = mustRun(t, env, 0, "accounts", "delete", "101", "999", "101@office", "--domain", "office", "--ignore-not-found", "--yes")
	if !strings.Contains(r.stderr, "Deleted 1, not found 1, failed 0 (of 2)") {
		t.Errorf("summary: %s", r.stderr)
	}
	csv := filepath.Join(dir, "gone.csv")
	os.WriteFile(csv, []byte("username,domain\n102,office\n103,office\n"), 0o600)
	r = mustRun(t, env, 0, "accounts", "delete", "--from-file", csv, "--yes")
	if !strings.Contains(r.stderr, "Deleted 2, not found 0, failed 0 (of 2)") || left() != "104 105" {
		t.Errorf("--from-file: %s; left %s", r.stderr, left())
	}
	r = mustRun(t, env, 0, "accounts", "delete", "--from-handover", handover, "--ignore-not-found", "--yes")
	if !strings.Contains(r.stderr, "Deleted 2, not found 3, failed 0 (of 5)") || left() != "" {
		t.Errorf("--from-handover: %s; left %q", r.stderr, left())
	}
	r = mustRun(t, env, 0, "accounts", "delete", "--from-handover", handover, "--ignore-not-found", "--yes")
	if !strings.Contains(r.stderr, "Nothing to delete: none of the 5 accounts exists") {
		t.Errorf("second teardown: %s", r.stderr)
	}
}

// export keeps an account's TTL as what is left of it, and applying the
// export changes nothing.
func TestExportKeepsWhatApplyReadsBack(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, 0, "domains", "create", "office")
	env.Set("SIPCTL_NOW", "2026-12-01T12:00:00Z")
	mustRun(t, env, 0, "accounts", "create", "ci1", "--domain", "office", "--ttl", "2h", "--json=username,password")
	mustRun(t, env, 0, "accounts", "create", "alice", "--domain", "office", "--json=username,password")
	env.Set("SIPCTL_NOW", "2026-12-01T12:30:00Z")
	r := mustRun(t, env, 0, "export")
	if !strings.Contains(r.stdout, "- username: ci1\n        ttl: 1h30m") || !strings.Contains(r.stdout, "- alice") {
		t.Fatalf("export:\n%s", r.stdout)
	}
	file := filepath.Join(t.TempDir(), "all.yaml")
	os.WriteFile(file, []byte(r.stdout), 0o600)
	mustRun(t, env, 0, "plan", "-f", file)
}

// An address's name survives export and apply.
func TestExportKeepsAddressNames(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, 0, "ipacls", "create", "hq")
	mustRun(t, env, 0, "ipacls", "addresses", "add", "hq", "203.0.113.10", "--name", "front pbx")
	mustRun(t, env, 0, "ipacls", "addresses", "add", "hq", "198.51.100.0/24")
	r := mustRun(t, env, 0, "export")
	if !strings.Contains(r.stdout, "- address: 203.0.113.10\n        name: front pbx") || !strings.Contains(r.stdout, "- 198.51.100.0/24") {
		t.Fatalf("export:\n%s", r.stdout)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "all.yaml")
	os.WriteFile(file, []byte(r.stdout), 0o600)
	mustRun(t, env, 0, "plan", "-f", file)

	lab := filepath.Join(dir, "lab.yaml")
	os.WriteFile(lab, []byte("ip_acls:\n  - name: lab\n    addresses:\n      - {address: 192.0.2.7, name: lab gateway}\n"), 0o600)
	mustRun(t, env, 0, "apply", "-f", lab, "--yes")
	r = mustRun(t, env, 0, "ipacls", "addresses", "list", "lab", "--json=friendly_name,ip_address")
	if !strings.Contains(r.stdout, `"friendly_name": "lab gateway"`) {
		t.Errorf("applied name: %s", r.stdout)
	}
}

// A domain whose accounts live on a list of its own name keeps it in the
// export (twilio: credential_list), so apply puts new ones beside them.
func TestExportKeepsTheDomainsCredentialList(t *testing.T) {
	env := testenv.NewEnv(t)
	mustRun(t, env, 0, "domains", "create", "office", "--sip-registration")
	mustRun(t, env, 0, "credlists", "create", "staff")
	mustRun(t, env, 0, "attach", "credlist", "staff", "--domain", "office", "--for", "both")
	mustRun(t, env, 0, "accounts", "create", "alice", "--domain", "office", "--json=username,password")
	r := mustRun(t, env, 0, "export")
	if !strings.Contains(r.stdout, "twilio:\n      credential_list: staff") {
		t.Fatalf("export:\n%s", r.stdout)
	}
	file := filepath.Join(t.TempDir(), "all.yaml")
	os.WriteFile(file, []byte(strings.Replace(r.stdout, "- alice", "- alice\n      - bob", 1)), 0o600)
	mustRun(t, env, 0, "apply", "-f", file, "--yes", "--output", filepath.Join(t.TempDir(), "h.csv"))
	if r := mustRun(t, env, 0, "accounts", "show", "bob", "--domain", "office", "--json=credential_list"); !strings.Contains(r.stdout, `"staff"`) {
		t.Errorf("bob: %s", r.stdout)
	}
}
