package sipctlcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/testenv"
)

// TestConcurrentCreatesOfOneUsernameLeaveOneAccount: twenty `accounts
// create` of one username at once, each from its own state directory
// against one `sandbox serve`, ten rounds. On odd rounds the domain starts
// bare (the runs race to make its list); on even rounds it has two lists
// attached for registrations and the runs split between them (--list), as
// two CI jobs configured differently would: Twilio keeps a username unique
// within one list only. Every round ends with exactly one account, one run
// that exited 0 and printed its password, and that password registers.
func TestConcurrentCreatesOfOneUsernameLeaveOneAccount(t *testing.T) {
	const runs, rounds = 20, 10
	home := testenv.NewEnv(t)
	srv := testenv.StartServe(t, home)
	sb, err := sandbox.Open(filepath.Join(home.StateHome, "sipctl"))
	if err != nil {
		t.Fatal(err)
	}
	sid, token := sb.Account()
	sb.Close()
	twilioEnv := func() *testenv.Env {
		return testenv.NewEnv(t).Set("TWILIO_ACCOUNT_SID", sid).Set("TWILIO_AUTH_TOKEN", token).Set("SIPCTL_API_URL", srv.API)
	}
	admin := twilioEnv()
	must := func(args ...string) string {
		t.Helper()
		out, errOut, code := admin.Run(t, "", args...)
		if code != 0 {
			t.Fatalf("sipctl %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	for round := 1; round <= rounds; round++ {
		domain := fmt.Sprintf("race%02d.sip.twilio.com", round)
		must("domains", "create", domain, "--sip-registration")
		split := round%2 == 0
		if split {
			for _, l := range []string{"a", "b"} {
				name := fmt.Sprintf("race%02d-%s", round, l)
				must("credlists", "create", name)
				must("attach", "credlist", name, "--domain", domain, "--for", "registrations")
			}
		}
		type result struct {
			code           int
			stdout, stderr string
		}
		results := make([]result, runs)
		var wg sync.WaitGroup
		for i := range runs {
			args := []string{"accounts", "create", "racer", "--domain", domain, "--json"}
			if split {
				args = append(args, "--list", fmt.Sprintf("race%02d-%s", round, []string{"a", "b"}[i%2]))
			}
			env := twilioEnv()
			wg.Go(func() {
				out, errOut, code := env.Run(t, "", args...)
				results[i] = result{code, out, errOut}
			})
		}
		wg.Wait()
		var winners []result
		for _, r := range results {
			switch r.code {
			case 0:
				winners = append(winners, r)
			case 1:
				if strings.Contains(r.stdout, "password") {
					t.Errorf("round %d: a losing run printed a password:\n%s", round, r.stdout)
				}
			default:
				t.Errorf("round %d: a run exited %d:\n%s", round, r.code, r.stderr)
			}
		}
		if len(winners) != 1 {
			for _, w := range winners {
				t.Logf("winner: %s", w.stdout)
			}
			t.Fatalf("round %d: %d runs exited 0 and printed a password, want exactly 1", round, len(winners))
		}
		var acct struct {
			Username, Domain, Password string
		}
		if err := json.Unmarshal([]byte(winners[0].stdout), &acct); err != nil || acct.Password == "" {
			t.Fatalf("round %d: the winner printed %q (%v)", round, winners[0].stdout, err)
		}
		var listed []map[string]any
		if err := json.Unmarshal([]byte(must("accounts", "list", "--domain", domain, "--json", "username,sid")), &listed); err != nil {
			t.Fatal(err)
		}
		if len(listed) != 1 {
			t.Fatalf("round %d: %d accounts named racer on %s, want 1: %v", round, len(listed), domain, listed)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := sip.Check(ctx, sip.CheckOptions{Username: "racer", Password: acct.Password, Domain: domain, Registrar: srv.SIPAddr})
		cancel()
		if err != nil || res.Outcome != sip.Accepted {
			t.Fatalf("round %d: the printed password does not register: %v %+v", round, err, res)
		}
	}
}
