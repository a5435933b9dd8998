package delete

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/sipctl/sipctl/internal/testenv"
)

// TestIgnoreNotFound: with --ignore-not-found, deleting an account that is
// not there succeeds, so a CI teardown can run twice;
// without it the same delete fails.
func TestIgnoreNotFound(t *testing.T) {
	bin, env := testenv.Binary(t), testenv.NewEnv(t)
	run := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env.Environ()
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return errOut.String(), ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return errOut.String(), 0
	}
	if out, code := run("domains", "create", "ci", "--sip-registration"); code != 0 {
		t.Fatal(out)
	}
	if out, code := run("accounts", "create", "job1", "--domain", "ci", "--json"); code != 0 {
		t.Fatal(out)
	}
	for i := range 2 {
		if out, code := run("accounts", "delete", "job1@ci.sip.twilio.com", "--yes", "--ignore-not-found"); code != 0 || i == 1 && !strings.Contains(out, "Nothing to delete") {
			t.Fatalf("delete %d: exit %d\n%s", i, code, out)
		}
	}
	if out, code := run("accounts", "delete", "job1@ci.sip.twilio.com", "--yes"); code != 1 {
		t.Fatalf("without --ignore-not-found: exit %d\n%s", code, out)
	}
}
