package sipctlcmd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/testenv"
)

// In a real 80-column terminal (tmux), the identifiers a user types next —
// run IDs, usernames, domains, profile names — are whole on their row, and
// no row wraps: the other columns gave way.
func TestListsAt80ColumnsInARealTerminal(t *testing.T) {
	tmux := testenv.LookPath(t, "tmux")
	bin := testenv.Binary(t)
	env := testenv.NewEnv(t)

	const domain = "headquarters-north-campus.sip.twilio.com"
	users := []string{"reception-desk-building-a-000101", "reception-desk-building-a-001000"}
	mustRun(t, env, 0, "domains", "create", domain, "--friendly-name", "Headquarters, north campus, every building and floor")
	for _, u := range users {
		mustRun(t, env, 0, "accounts", "create", u, "--domain", domain, "--json=username,password")
	}
	runIDs := []string{"20260101T120000.000000Z-0123abcd", "20260102T120000.000000Z-4567ef01"}
	for _, id := range runIDs {
		h := journal.Header{RunID: id, Command: "password rotate", Profile: "sandbox", Provider: "sandbox"}
		j, err := journal.Create(journal.Dir(filepath.Join(env.StateHome, "sipctl")), h, []journal.Entry{{Op: journal.OpRotate,
			Provider: "sandbox", Profile: "sandbox", Username: users[0], Domain: domain, Password: examplePassword}})
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
	}
	cfgDir := filepath.Join(env.ConfigHome, "sipctl")
	os.MkdirAll(cfgDir, 0o700)
	profiles := []string{"customer-acme-dental-production", "customer-acme-dental-staging"}
	var cfg strings.Builder
	cfg.WriteString("current_profile: sandbox\nprofiles:\n  sandbox:\n    provider: sandbox\n")
	for _, p := range profiles {
		fmt.Fprintf(&cfg, "  %s:\n    provider: twilio\n    account_sid: AC%s\n    default_domain: %s\n    api_url: https://api.twilio.example.com/a/very/long/path/for/%s\n",
			p, strings.Repeat("0", 32), domain, p)
	}
	if err := os.WriteFile(filepath.Join(cfgDir, "config.yaml"), []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	sock := filepath.Join(dir, "tmux.sock")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(tmux, append([]string{"-S", sock, "-f", "/dev/null"}, args...)...)
		cmd.Env = append(env.Environ(), "TERM=xterm-256color")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		cmd := exec.Command(tmux, "-S", sock, "kill-server")
		cmd.Run()
	})

	for i, tc := range []struct {
		args []string
		ids  []string
		rows int
	}{
		{[]string{"password", "runs", "list"}, append([]string{"LIVE"}, runIDs...), 2},
		{[]string{"domains", "list"}, []string{domain}, 1},
		{[]string{"profile", "list"}, profiles, 3},
		{[]string{"accounts", "list", "--domain", domain}, users, 2},
	} {
		name := fmt.Sprintf("s%d", i)
		errFile := filepath.Join(dir, name+".err")
		shell := fmt.Sprintf("%q %s 2>%q; echo __END__ $?; exec sleep 3600", bin, strings.Join(tc.args, " "), errFile)
		run("new-session", "-d", "-x", "80", "-y", "40", "-s", name, shell)
		var screen string
		for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
			screen = run("capture-pane", "-p", "-t", name)
			if strings.Contains(screen, "__END__") || time.Now().After(deadline) {
				break
			}
		}
		errOut, _ := os.ReadFile(errFile)
		body, status, ok := strings.Cut(screen, "__END__")
		if !ok || strings.TrimSpace(strings.SplitN(status, "\n", 2)[0]) != "0" {
			t.Fatalf("sipctl %s in tmux:\n%s\nstderr: %s", strings.Join(tc.args, " "), screen, errOut)
		}
		lines := strings.Split(strings.TrimRight(body, "\n"), "\n")
		if len(lines) != tc.rows+1 {
			t.Errorf("sipctl %s: %d lines for a header and %d rows (a row wrapped?):\n%s", strings.Join(tc.args, " "), len(lines), tc.rows, body)
		}
		for _, id := range tc.ids {
			if !strings.Contains(body, id) {
				t.Errorf("sipctl %s at 80 columns cut %q:\n%s", strings.Join(tc.args, " "), id, body)
			}
		}
		for _, l := range lines {
			if w := len([]rune(l)); w > 80 {
				t.Errorf("sipctl %s: a line of %d columns: %q", strings.Join(tc.args, " "), w, l)
			}
		}
	}
}
