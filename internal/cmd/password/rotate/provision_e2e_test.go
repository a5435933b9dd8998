package rotate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/testenv"
)

// TestRotateRewritesProvisioningFiles: a rotation with --provision-dir
// rewrites, in the same run, the file of the phone carrying the account
// (and leaves the other phone's alone), and the file holds the password the
// registrar accepts. A run interrupted after journaling its password is
// finished by --resume, provisioning file included.
func TestRotateRewritesProvisioningFiles(t *testing.T) {
	env := testenv.NewEnv(t)
	sb := testenv.StartServe(t, env)
	dir := t.TempDir()
	run := func(stdin string, args ...string) string {
		t.Helper()
		out, errOut, code := env.Run(t, stdin, args...)
		if code != 0 {
			t.Fatalf("sipctl %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	run("", "domains", "create", "lab", "--sip-registration")
	ho := filepath.Join(dir, "handover.csv")
	run("", "accounts", "create", "alice", "bob", "--domain", "lab", "--output", ho)
	inv := filepath.Join(dir, "phones.csv")
	os.WriteFile(inv, []byte("mac,vendor,model,account\n00:15:65:00:00:01,yealink,T54W,alice@lab\n00:15:65:00:00:01,yealink,T54W,bob@lab\n00:15:65:00:00:02,snom,D715,bob@lab\n"), 0o600)
	prov := filepath.Join(dir, "prov")
	run("", "provision", "render", "--devices", inv, "--from-handover", ho, "--dir", prov, "--registrar", sb.SIPAddr)
	snomBefore, _ := os.ReadFile(filepath.Join(prov, "001565000002.xml"))

	run("", "password", "rotate", "alice@lab", "--output", ho, "--provision-dir", prov, "--devices", inv, "--yes")
	recs, _ := rotate.ReadHandover(ho)
	var alice string
	for _, r := range recs {
		if r.Username == "alice" {
			alice = r.Password
		}
	}
	yealink, _ := os.ReadFile(filepath.Join(prov, "001565000001.cfg"))
	if !strings.Contains(string(yealink), "account.1.password = "+alice+"\n") || !strings.Contains(string(yealink), "generation 2") {
		t.Fatalf("the Yealink's file does not hold alice's new password:\n%s", strings.ReplaceAll(string(yealink), alice, "<new>"))
	}
	if after, _ := os.ReadFile(filepath.Join(prov, "001565000002.xml")); string(after) != string(snomBefore) {
		t.Error("the Snom, which carries no rotated account, was rewritten")
	}
	run(alice, "accounts", "check", "alice@lab.sip.twilio.com", "--registrar", sb.SIPAddr, "--password-stdin")
	if runs, _ := os.ReadDir(journal.Dir(filepath.Join(env.StateHome, "sipctl"))); len(runs) != 0 {
		t.Errorf("the run's journal is left: %v", runs)
	}

	// A run that journaled bob's new password and died before sending it.
	const pw = "Resumed-Pass-4-Bob"
	bobRef := strings.TrimSpace(run("", "accounts", "show", "bob@lab.sip.twilio.com", "--json=ref", "--jq", ".ref"))
	h := journal.Header{RunID: "20260101T120000.000000Z-0123abcd", Command: "password rotate", Profile: "sandbox", Provider: "sandbox"}
	j, err := journal.Create(journal.Dir(filepath.Join(env.StateHome, "sipctl")), h, []journal.Entry{{Op: journal.OpRotate, Provider: "sandbox", Profile: "sandbox",
		Username: "bob", Domain: "lab.sip.twilio.com", Ref: bobRef, Password: pw}})
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	run("", "password", "rotate", "--resume", h.RunID, "--output", ho, "--provision-dir", prov, "--devices", inv, "--yes")
	for _, f := range []string{"001565000001.cfg", "001565000002.xml"} {
		data, _ := os.ReadFile(filepath.Join(prov, f))
		if !strings.Contains(string(data), pw) {
			t.Errorf("%s does not hold bob's resumed password", f)
		}
	}
	run(pw, "accounts", "check", "bob@lab.sip.twilio.com", "--registrar", sb.SIPAddr, "--password-stdin")
}
