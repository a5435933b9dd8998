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
	// No stray lines: the serve's foreground prompt, a hint to rotate right
	// after rotating, a step that printed nothing in a pipe, a command line
	// swallowed into the file its output went to.
	for _, stray := range []string{"Press Ctrl-C", "rotate it with", "$ sipctl domains check office\nnote: working against the local sandbox (in-process); `sipctl sandbox status`\n\n"} {
		if strings.Contains(s, stray) {
			t.Errorf("demo output has a stray %q:\n%s", stray, s)
		}
	}
	if n := strings.Count(s, "$ sipctl accounts create alice"); n != 1 {
		t.Errorf("the alice command is shown %d times:\n%s", n, s)
	}
	if !strings.HasSuffix(strings.TrimSpace(s), "is removed now.") || !strings.Contains(s, "No problems found") {
		t.Errorf("the last step printed nothing:\n%s", s)
	}
}

// make demo says what it does before its silent build.
func TestMakeDemoAnnouncesBuild(t *testing.T) {
	cmd := exec.Command(testenv.LookPath(t, "make"), "-n", "-s", "demo")
	cmd.Dir = testenv.RepoRoot()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make -n demo: %v", err)
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if !strings.HasPrefix(first, "echo ") {
		t.Errorf("make demo's first step is not a line for the user: %q", first)
	}
}
