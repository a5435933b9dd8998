package rotate

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/rotate/rotatetest"
	"github.com/sipctl/sipctl/internal/testenv"
)

func e2eEnv(t *testing.T, s *rotatetest.Server) *testenv.Env {
	return testenv.NewEnv(t).
		Set("SIPCTL_API_URL", s.URL).
		Set("TWILIO_ACCOUNT_SID", rotatetest.AccountSID).
		Set("TWILIO_AUTH_TOKEN", rotatetest.AuthToken)
}

func seedDomain(s *rotatetest.Server, n int) {
	d := s.AddDomain("acme.sip.twilio.com")
	a := s.AddList("phones", d)
	b := s.AddList("softphones", d)
	for i := range n {
		l := a
		if i%3 == 0 {
			l = b
		}
		s.AddCredential(l, fmt.Sprintf("ext%03d", i), "OldPassword1")
	}
}

func readHandover(t *testing.T, path string) []rotate.Record {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rs []rotate.Record
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("handover mode %v", st.Mode().Perm())
	}
	return rs
}

// assertEveryPasswordOnRecord: each credential's password on the server is
// the one in the handover, and none is missing.
func assertEveryPasswordOnRecord(t *testing.T, s *rotatetest.Server, rs []rotate.Record) {
	t.Helper()
	bySID := map[string]rotate.Record{}
	for _, r := range rs {
		bySID[r.SID] = r
	}
	creds := s.Credentials()
	if len(rs) != len(creds) {
		t.Errorf("handover has %d records, server %d credentials", len(rs), len(creds))
	}
	for _, c := range creds {
		r, ok := bySID[c.SID]
		switch {
		case !ok:
			t.Errorf("%s missing from the handover", c.Username)
		case r.Password != c.Password:
			t.Errorf("%s: server password is not the one on record", c.Username)
		case r.Username != c.Username || r.Domain != "acme.sip.twilio.com":
			t.Errorf("record %+v for %s", r, c.Username)
		case c.Password == "OldPassword1":
			t.Errorf("%s was never rotated", c.Username)
		}
	}
}

// TestCrashThenResume: the built binary rotates 200 credentials, is killed
// with SIGKILL partway through, and --resume finishes the run.
func TestCrashThenResume(t *testing.T) {
	bin := testenv.Binary(t)
	s := rotatetest.New(t)
	seedDomain(s, 200)
	s.Latency = 5 * time.Millisecond
	env := e2eEnv(t, s)
	handover := filepath.Join(t.TempDir(), "handover.json")

	cmd := exec.Command(bin, "password", "rotate", "--domain", "acme", "--output", handover, "--yes", "--concurrency", "4")
	cmd.Env = env.Environ()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	var killed atomic.Bool
	s.OnUpdate = func(n int64) {
		if n == 70 && killed.CompareAndSwap(false, true) {
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the run was not killed: %v\n%s", err, stderr.String())
	}
	s.OnUpdate = nil
	if _, err := os.Stat(handover); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("handover exists after the kill: %v", err)
	}
	journals, _ := filepath.Glob(filepath.Join(env.StateHome, "sipctl", "journal", "*.jsonl"))
	if len(journals) != 1 {
		t.Fatalf("journals after the kill: %v", journals)
	}
	st, _ := os.Stat(journals[0])
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %v", st.Mode().Perm())
	}
	done := s.Updates.Load()
	if done < 70 || done >= 200 {
		t.Fatalf("%d updates before the kill; want partway", done)
	}

	resume := exec.Command(bin, "password", "rotate", "--resume")
	resume.Env = env.Environ()
	out, err := resume.CombinedOutput()
	if err != nil {
		t.Fatalf("--resume: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Wrote 200 new passwords") {
		t.Fatalf("--resume output:\n%s", out)
	}
	rs := readHandover(t, handover)
	assertEveryPasswordOnRecord(t, s, rs)
	if left, _ := filepath.Glob(filepath.Join(env.StateHome, "sipctl", "journal", "*.jsonl")); len(left) != 0 {
		t.Fatalf("journal not removed after the handover: %v", left)
	}
	for _, r := range rs {
		if strings.Contains(stderr.String()+string(out), r.Password) {
			t.Fatal("a password was printed on stderr")
		}
	}
	// The audit log has an entry per rotation (some twice: killed in flight,
	// re-applied on resume) and no password.
	raw, err := os.ReadFile(filepath.Join(env.StateHome, "sipctl", "audit.log"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(raw), "\n"); n < 200 {
		t.Fatalf("%d audit lines, want at least 200", n)
	}
	for _, r := range rs {
		if strings.Contains(string(raw), r.Password) {
			t.Fatal("the audit log holds a password")
		}
	}
	if s.Unexpected.Load() != 0 {
		t.Fatal("unexpected requests")
	}
}

// TestPartialFailureExit3AndRetryCommand: permanent 500s on two accounts end
// with exit status 3 and a retry command that, once the provider recovers,
// finishes only those with their journaled passwords.
func TestPartialFailureExit3AndRetryCommand(t *testing.T) {
	bin := testenv.Binary(t)
	s := rotatetest.New(t)
	seedDomain(s, 30)
	var broken atomic.Bool
	broken.Store(true)
	bad := map[string]bool{}
	for _, c := range s.Credentials() {
		if c.Username == "ext004" || c.Username == "ext017" {
			bad[c.SID] = true
		}
	}
	s.Inject = func(r *http.Request, form url.Values) int {
		if r.Method == http.MethodPost && broken.Load() {
			for sid := range bad {
				if strings.Contains(r.URL.Path, sid) {
					return 500
				}
			}
		}
		return 0
	}
	env := e2eEnv(t, s)
	dir := t.TempDir()
	handover := filepath.Join(dir, "out.json")
	auditPath := filepath.Join(dir, "audit.jsonl")
	cmd := exec.Command(bin, "--audit-log", auditPath, "password", "rotate", "--domain", "acme.sip.twilio.com", "-o", handover, "--yes")
	cmd.Env = env.Environ()
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("exit %v, want 3\n%s", err, out)
	}
	text := string(out)
	// A 500 leaves the outcome unknown: the passwords stay on record.
	if !strings.Contains(text, "Rotated 28, failed 0, not attempted 0, unconfirmed 2 (of 30).") || !strings.Contains(text, "unconfirmed: ext004@acme.sip.twilio.com") {
		t.Fatalf("summary:\n%s", text)
	}
	_, retry, ok := strings.Cut(text, "finish with `")
	if !ok {
		t.Fatalf("no retry command:\n%s", text)
	}
	retry = strings.TrimSuffix(strings.TrimSpace(strings.SplitN(retry, "\n", 2)[0]), "`")
	if !strings.HasPrefix(retry, "sipctl password rotate --resume ") || !strings.Contains(retry, "--output "+handover) {
		t.Fatalf("retry command %q", retry)
	}
	if got := len(readHandover(t, handover)); got != 28 {
		t.Fatalf("handover has %d records, want 28", got)
	}
	if raw, _ := os.ReadFile(auditPath); strings.Count(string(raw), `"outcome":"failed"`) != 2 {
		t.Fatalf("audit log at --audit-log:\n%s", raw)
	}

	broken.Store(false)
	before := s.Updates.Load()
	args := strings.Fields(retry)[1:]
	rc := exec.Command(bin, append([]string{"--audit-log", auditPath}, args...)...)
	rc.Env = env.Environ()
	if out, err := rc.CombinedOutput(); err != nil {
		t.Fatalf("retry: %v\n%s", err, out)
	}
	if n := s.Updates.Load() - before; n != 2 {
		t.Fatalf("retry sent %d updates, want only the 2 failed", n)
	}
	assertEveryPasswordOnRecord(t, s, readHandover(t, handover))
}
