package sipctlcmd

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// TestDemo runs scripts/demo.sh, the README's main-job command, with the
// built binary: it must finish, and show each proof it promises.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo")
	}
	bin := testenv.Binary(t)
	cmd := exec.Command("bash", "scripts/demo.sh", bin)
	cmd.Dir = testenv.RepoRoot()
	cmd.Env = testenv.NewEnv(t).Environ()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	s := string(out)
	for _, want := range []string{
		"office.sip.twilio.com",
		`"password": "`,
		"Outcome\taccepted",
		"Rotated 2, failed 0",
		"Outcome\trejected",
		"(exit 5, as expected)",
		"Done: the sandbox lived in",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "WARN") {
		t.Errorf("library log lines leaked into the output:\n%s", s)
	}
}
