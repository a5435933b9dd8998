package rotate_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/testenv"
)

// TestRotateKilledThenResumedProvisioning: a rotation with --provision-dir
// is SIGKILLed once its journal exists (the API answers slowly, one request
// at a time), then --resume finishes it: every provisioning file holds the
// password the registrar accepts.
func TestRotateKilledThenResumedProvisioning(t *testing.T) {
	env := testenv.NewEnv(t)
	sb := testenv.StartServe(t, env, "--latency", "200ms")
	bin := testenv.Binary(t)
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
	var users []string
	inv := "mac,vendor,model,account\n"
	for i := 1; i <= 8; i++ {
		users = append(users, fmt.Sprintf("desk%d", i))
		inv += fmt.Sprintf("00:15:65:00:00:%02x,yealink,T54W,desk%d@lab\n", i, i)
	}
	run("", append([]string{"accounts", "create"}, append(users, "--domain", "lab", "--output", ho)...)...)
	invPath := filepath.Join(dir, "phones.csv")
	os.WriteFile(invPath, []byte(inv), 0o600)
	prov := filepath.Join(dir, "prov")
	run("", "provision", "render", "--devices", invPath, "--from-handover", ho, "--dir", prov, "--registrar", sb.SIPAddr)

	cmd := exec.Command(bin, "password", "rotate", "--domain", "lab", "--output", ho, "--provision-dir", prov, "--devices", invPath,
		"--yes", "--concurrency", "1")
	cmd.Env = append(env.Environ(), "SIPCTL_API_URL="+sb.API, "SIPCTL_PROVIDER=sandbox")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	jdir := journal.Dir(filepath.Join(env.StateHome, "sipctl"))
	for i := 0; ; i++ {
		if es, _ := os.ReadDir(jdir); len(es) > 0 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the rotation ended before its journal was seen: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if i > 3000 {
			t.Fatal("no journal")
		}
	}
	cmd.Process.Kill()
	<-exited

	resume := exec.Command(bin, "password", "rotate", "--resume", "--output", ho, "--provision-dir", prov, "--devices", invPath, "--yes")
	resume.Env = append(env.Environ(), "SIPCTL_API_URL="+sb.API, "SIPCTL_PROVIDER=sandbox")
	if out, err := resume.CombinedOutput(); err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	pw := regexp.MustCompile(`(?m)^account\.1\.password = (.*)$`)
	for i, u := range users {
		data, err := os.ReadFile(filepath.Join(prov, fmt.Sprintf("0015650000%02x.cfg", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		m := pw.FindSubmatch(data)
		if m == nil {
			t.Fatalf("%s: no password in its file", u)
		}
		if out, errOut, code := env.Run(t, string(m[1]), "accounts", "check", u+"@lab.sip.twilio.com", "--registrar", sb.SIPAddr, "--password-stdin"); code != 0 {
			t.Errorf("%s: the registrar refuses the password in its provisioning file: exit %d\n%s%s", u, code, out, errOut)
		}
	}
}
