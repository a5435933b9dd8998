package sandbox_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// The built binary as a Plivo profile (PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN)
// against the Plivo face of a running `sandbox serve`, whose registrar
// proves the passwords: Plivo's appended digits are what create reports,
// what the handover and `accounts check` use, while show, plan, apply and
// export take the username asked for.
func TestPlivoCommandsAgainstTheSandbox(t *testing.T) {
	env := testenv.NewEnv(t)
	serve := testenv.StartServe(t, env)
	var st struct {
		AuthID string  `json:"plivo_auth_id"`
		Token  string  `json:"plivo_auth_token"`
		URL    *string `json:"plivo_api_url"`
	}
	r := mustRun(t, env, "", "sandbox", "status", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || !strings.HasPrefix(st.AuthID, "MA") || len(st.AuthID) != 20 || st.Token == "" || st.URL == nil || *st.URL != serve.API {
		t.Fatalf("sandbox status: %v\n%s", err, r.stdout)
	}
	env.Set("SIPCTL_API_URL", serve.API).Set("PLIVO_AUTH_ID", st.AuthID)
	// Half of the pair: exit 4, naming what is set and what is missing.
	if r := sipctl(t, env, "", "subaccounts", "list"); r.code != 4 || !strings.Contains(r.stderr, "PLIVO_AUTH_ID is set but PLIVO_AUTH_TOKEN is not") {
		t.Fatalf("half-set pair: exit %d\n%s", r.code, r.stderr)
	}
	env.Set("PLIVO_AUTH_TOKEN", st.Token)
	if r := mustRun(t, env, "", "auth", "status", "--json"); !strings.Contains(r.stdout, `"working": true`) || !strings.Contains(r.stdout, "PLIVO_AUTH_ID and PLIVO_AUTH_TOKEN") || strings.Contains(r.stdout, st.Token) {
		t.Fatalf("auth status:\n%s", r.stdout)
	}

	const pw = "Front-desk-pass-2026"
	r = mustRun(t, env, pw+"\n", "accounts", "create", "frontdesk", "--password-stdin", "--json")
	var created struct {
		Username string `json:"username"`
		Domain   string `json:"domain"`
	}
	json.Unmarshal([]byte(r.stdout), &created)
	made := regexp.MustCompile(`^frontdesk[0-9]{12}$`)
	if !made.MatchString(created.Username) || created.Domain != "phone.plivo.com" {
		t.Fatalf("create reported %+v\n%s", created, r.stdout)
	}
	if r := sipctl(t, env, pw+"\n", "accounts", "create", "frontdesk", "--password-stdin"); r.code == 0 || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("a second create of frontdesk: exit %d\n%s", r.code, r.stderr)
	}
	r = mustRun(t, env, "", "accounts", "show", "frontdesk", "--json=username")
	if !strings.Contains(r.stdout, created.Username) {
		t.Fatalf("show by the requested name:\n%s", r.stdout)
	}
	mustRun(t, env, "", "accounts", "update", created.Username, "--alias", "front-desk_1")
	if r := mustRun(t, env, "", "accounts", "show", created.Username, "--json=attributes"); !strings.Contains(r.stdout, `"alias": "front-desk_1"`) {
		t.Fatalf("alias after accounts update:\n%s", r.stdout)
	}
	if r := sipctl(t, env, "", "accounts", "update", created.Username, "--inbound-channel-limit", "2"); r.code != 2 || !strings.Contains(r.stderr, "plivo has no channel limits") {
		t.Fatalf("a channel limit on Plivo: exit %d\n%s", r.code, r.stderr)
	}
	if r := sipctl(t, env, pw+"\n", "accounts", "create", "tmpdesk", "--password-stdin", "--ttl", "2h"); r.code != 2 || !strings.Contains(r.stderr, "no expiry") {
		t.Fatalf("--ttl on Plivo: exit %d\n%s", r.code, r.stderr)
	}
	check := func(user, password string) int {
		t.Helper()
		return sipctl(t, env, password+"\n", "accounts", "check", user, "--password-stdin", "--registrar", serve.SIPAddr).code
	}
	if c := check(created.Username, pw); c != 0 {
		t.Fatalf("check with the password given: exit %d", c)
	}
	if c := check(created.Username, pw+"x"); c != 5 {
		t.Fatalf("check with a wrong password: exit %d, want 5", c)
	}

	dir := t.TempDir()
	rotated := filepath.Join(dir, "rotated.json")
	mustRun(t, env, "", "password", "rotate", created.Username, "--output", rotated, "--yes")
	rs := handoverRows(t, rotated)
	if len(rs) != 1 || rs[0].Username != created.Username {
		t.Fatalf("rotate handover %+v", rs)
	}
	if c := check(created.Username, pw); c != 5 {
		t.Fatalf("the old password after rotate: exit %d, want 5", c)
	}
	if r := sipctl(t, env, "", "accounts", "check", "--from-handover", rotated, "--registrar", serve.SIPAddr); r.code != 0 {
		t.Fatalf("the new password: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	// A file names the usernames asked for; the state maps them.
	file := filepath.Join(dir, "plivo.yaml")
	os.WriteFile(file, []byte("provider: plivo\ndomains:\n  - name: phone.plivo.com\n    accounts: [frontdesk, lobby]\n"), 0o644)
	if r := sipctl(t, env, "", "plan", "-f", file); r.code != 7 || !strings.Contains(r.stderr, "1 to create") {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	applied := filepath.Join(dir, "applied.json")
	mustRun(t, env, "", "apply", "-f", file, "--output", applied)
	rs = handoverRows(t, applied)
	if len(rs) != 1 || !regexp.MustCompile(`^lobby[0-9]{12}$`).MatchString(rs[0].Username) {
		t.Fatalf("apply handover %+v", rs)
	}
	if r := sipctl(t, env, "", "accounts", "check", "--from-handover", applied, "--registrar", serve.SIPAddr); r.code != 0 {
		t.Fatalf("the applied account: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := mustRun(t, env, "", "apply", "-f", file); !strings.Contains(r.stderr, "No changes") {
		t.Fatalf("second apply:\n%s", r.stderr)
	}
	exported := mustRun(t, env, "", "export").stdout
	if !strings.Contains(exported, "provider: plivo") || !strings.Contains(exported, "frontdesk") || !strings.Contains(exported, "lobby") || strings.Contains(exported, rs[0].Username) {
		t.Fatalf("export:\n%s", exported)
	}
	if r := sipctl(t, env, exported, "apply", "-f", "-", "--prune", "--yes"); r.code != 0 || !strings.Contains(r.stderr, "No changes") {
		t.Fatalf("apply of the export: exit %d\n%s", r.code, r.stderr)
	}

	// Subaccounts: create inside one, then rotate across them all.
	mustRun(t, env, "", "subaccounts", "create", "Acme Dental")
	r = mustRun(t, env, "Acme-desk-pass-2026\n", "--subaccount", "Acme Dental", "accounts", "create", "acmedesk", "--password-stdin", "--json=username")
	if !strings.Contains(r.stdout, "acmedesk") {
		t.Fatalf("create inside the subaccount:\n%s", r.stdout)
	}
	if r := mustRun(t, env, "", "accounts", "list", "--json=username"); strings.Contains(r.stdout, "acmedesk") {
		t.Fatalf("the main account lists the subaccount's endpoint:\n%s", r.stdout)
	}
	outDir := filepath.Join(dir, "across")
	mustRun(t, env, "", "password", "rotate", "--all-subaccounts", "--output-dir", outDir, "--output-format", "json", "--yes")
	files, _ := filepath.Glob(filepath.Join(outDir, "*.json"))
	var all []string
	for _, f := range files {
		for _, row := range handoverRows(t, f) {
			all = append(all, row.Username)
			if r := sipctl(t, env, row.Password+"\n", "accounts", "check", row.Username, "--password-stdin", "--registrar", serve.SIPAddr); r.code != 0 {
				t.Errorf("%s after the rotation across subaccounts: exit %d\n%s", row.Username, r.code, r.stderr)
			}
		}
	}
	if len(all) != 1 || !strings.HasPrefix(all[0], "acmedesk") {
		t.Fatalf("--all-subaccounts rotated %v (files %v)", all, files)
	}

	mustRun(t, env, "", "accounts", "delete", "frontdesk", "--yes")
	if c := check(created.Username, rs[0].Password); c != 5 {
		t.Fatalf("after delete: exit %d, want 5", c)
	}
}

type handoverRow struct {
	Username string `json:"username"`
	Domain   string `json:"domain"`
	Password string `json:"password"`
}

func handoverRows(t *testing.T, path string) []handoverRow {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rs []handoverRow
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return rs
}
