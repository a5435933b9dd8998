package cleanup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/kamailio/kamailiotest"
	"github.com/sipctl/sipctl/internal/testenv"
)

// world is the built binary with an isolated environment.
type world struct {
	t   *testing.T
	bin string
	env *testenv.Env
}

// run runs sipctl with extra environment (KEY=VALUE) and returns stdout,
// stderr and the exit status.
func (w *world) run(extraEnv []string, args ...string) (string, string, int) {
	cmd := exec.Command(w.bin, args...)
	cmd.Env = append(w.env.Environ(), extraEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), errOut.String(), ee.ExitCode()
	}
	if err != nil {
		w.t.Fatal(err)
	}
	return out.String(), errOut.String(), 0
}

func (w *world) must(extraEnv []string, args ...string) string {
	w.t.Helper()
	out, errOut, code := w.run(extraEnv, args...)
	if code != 0 {
		w.t.Fatalf("sipctl %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// serve starts `sipctl sandbox serve` on free loopback ports and points the
// environment at it; it is stopped at cleanup.
func serve(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, bin: testenv.Binary(t), env: testenv.NewEnv(t).Set("SIPCTL_QUIET", "1")}
	w.env.Set("SIPCTL_API_URL", testenv.StartServe(t, w.env).API).Set("SIPCTL_PROVIDER", "sandbox")
	return w
}

// t0 is the clock (SIPCTL_NOW) the accounts are created at.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) []string { return []string{"SIPCTL_NOW=" + t0.Add(d).Format(time.RFC3339)} }

type created struct {
	Username  string     `json:"username"`
	Password  string     `json:"password"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// proveCleanup is the CI proof on one provider: twenty processes at once
// create accounts with a 10-minute TTL on one fresh domain, alongside
// accounts without a TTL and with a 7-day one; the expiry is read back from
// the provider; before the ten minutes nothing is expired; a cleanup
// without --yes in a pipe and a dry run delete nothing; two cleanups at once
// after the ten minutes delete exactly the twenty between them, both
// succeeding; the others remain, and teardown is idempotent.
func proveCleanup(t *testing.T, w *world, domain string) {
	const jobs = 20
	type job struct {
		user, ttl string
		want      *time.Time
	}
	short, long := t0.Add(10*time.Minute), t0.Add(7*24*time.Hour)
	var all []job
	for i := range jobs {
		all = append(all, job{fmt.Sprintf("ci%04d", i+1), "10m", &short})
	}
	for i := range 3 {
		all = append(all, job{fmt.Sprintf("keep%d", i+1), "", nil}, job{fmt.Sprintf("long%d", i+1), "7d", &long})
	}
	var wg sync.WaitGroup
	errs := make([]string, len(all))
	for i, j := range all {
		wg.Go(func() {
			args := []string{"accounts", "create", j.user, "--domain", domain, "--json=username,password,expires_at"}
			if j.ttl != "" {
				args = append(args, "--ttl", j.ttl)
			}
			out, errOut, code := w.run(at(0), args...)
			var c created
			switch {
			case code != 0:
				errs[i] = fmt.Sprintf("%s: exit %d: %s", j.user, code, errOut)
			case json.Unmarshal([]byte(out), &c) != nil || c.Username != j.user || c.Password == "":
				errs[i] = fmt.Sprintf("%s: output %s", j.user, out)
			case (c.ExpiresAt == nil) != (j.want == nil) || c.ExpiresAt != nil && !c.ExpiresAt.Equal(*j.want):
				errs[i] = fmt.Sprintf("%s: expires_at %v, want %v", j.user, c.ExpiresAt, j.want)
			}
		})
	}
	wg.Wait()
	if msg := strings.Join(slices.DeleteFunc(errs, func(s string) bool { return s == "" }), "\n"); msg != "" {
		t.Fatalf("parallel creates failed:\n%s", msg)
	}

	// What the provider holds, as a later process reads it.
	listed := func() map[string]*time.Time {
		t.Helper()
		var as []struct {
			Username  string     `json:"username"`
			ExpiresAt *time.Time `json:"expires_at"`
		}
		out := w.must(nil, "accounts", "list", "--domain", domain, "--json=username,expires_at")
		if err := json.Unmarshal([]byte(out), &as); err != nil {
			t.Fatalf("accounts list: %v\n%s", err, out)
		}
		m := map[string]*time.Time{}
		for _, a := range as {
			m[a.Username] = a.ExpiresAt
		}
		return m
	}
	got := listed()
	if len(got) != len(all) {
		t.Fatalf("%d accounts listed, want %d: %v", len(got), len(all), got)
	}
	for _, j := range all {
		e, ok := got[j.user]
		if !ok || (e == nil) != (j.want == nil) || e != nil && !e.Equal(*j.want) {
			t.Fatalf("%s lists with expiry %v, want %v", j.user, e, j.want)
		}
	}

	cleanup := func(d time.Duration, extra ...string) ([]Result, string, int) {
		args := append([]string{"accounts", "cleanup", "--expired", "--domain", domain, "--json"}, extra...)
		out, errOut, code := w.run(at(d), args...)
		var rs []Result
		if code == 0 {
			if err := json.Unmarshal([]byte(out), &rs); err != nil {
				t.Fatalf("cleanup output: %v\n%s", err, out)
			}
		}
		return rs, errOut, code
	}
	if rs, errOut, code := cleanup(9*time.Minute, "--yes"); code != 0 || len(rs) != 0 {
		t.Fatalf("cleanup before expiry: exit %d %v\n%s", code, rs, errOut)
	}
	if _, errOut, code := cleanup(11 * time.Minute); code != 2 || !strings.Contains(errOut, "pass --yes") {
		t.Fatalf("cleanup without --yes in a pipe: exit %d\n%s", code, errOut)
	}
	rs, errOut, code := cleanup(11*time.Minute, "--dry-run")
	if code != 0 || len(rs) != jobs {
		t.Fatalf("dry run: exit %d, %d results\n%s", code, len(rs), errOut)
	}
	for _, r := range rs {
		if r.Result != ResultWouldDelete || !strings.HasPrefix(r.Username, "ci") || !r.ExpiresAt.Equal(short) {
			t.Fatalf("dry run result %+v", r)
		}
	}
	if n := len(listed()); n != len(all) {
		t.Fatalf("after the refused cleanup and the dry run, %d accounts, want %d", n, len(all))
	}

	// Two CI jobs tearing down at once.
	var both [2][]Result
	var codes [2]int
	var outs [2]string
	for i := range 2 {
		wg.Go(func() { both[i], outs[i], codes[i] = cleanup(11*time.Minute, "--yes") })
	}
	wg.Wait()
	deleted := map[string]int{}
	for i := range 2 {
		if codes[i] != 0 {
			t.Fatalf("concurrent cleanup %d: exit %d\n%s", i, codes[i], outs[i])
		}
		for _, r := range both[i] {
			switch r.Result {
			case ResultDeleted:
				deleted[r.Username]++
			case ResultGone:
			default:
				t.Fatalf("cleanup %d: %+v", i, r)
			}
		}
	}
	if len(deleted) != jobs {
		t.Fatalf("%d accounts deleted, want the %d expired: %v", len(deleted), jobs, deleted)
	}
	for u, n := range deleted {
		if !strings.HasPrefix(u, "ci") || n != 1 {
			t.Fatalf("%s deleted %d times", u, n)
		}
	}
	left := listed()
	var names []string
	for u := range left {
		names = append(names, u)
	}
	sort.Strings(names)
	if want := []string{"keep1", "keep2", "keep3", "long1", "long2", "long3"}; !slices.Equal(names, want) {
		t.Fatalf("left %v, want %v", names, want)
	}
	if rs, errOut, code := cleanup(11*time.Minute, "--yes"); code != 0 || len(rs) != 0 {
		t.Fatalf("second cleanup: exit %d %v\n%s", code, rs, errOut)
	}
	w.must(nil, "accounts", "delete", "ci0001@"+domain, "--yes", "--ignore-not-found")
}

// TestCleanupTwilioSandbox runs the proof on the sandbox's Twilio API, and
// checks the expiry lists: the emptied one is gone, the 7-day one stays.
func TestCleanupTwilioSandbox(t *testing.T) {
	w := serve(t)
	w.must(nil, "domains", "create", "ci", "--sip-registration")
	proveCleanup(t, w, "ci.sip.twilio.com")
	lists := w.must(nil, "credlists", "list")
	if strings.Contains(lists, "ci-exp-20260601T1210Z") || !strings.Contains(lists, "ci-exp-20260608T1200Z") || !strings.Contains(lists, "ci-users") {
		t.Fatalf("credential lists after cleanup:\n%s", lists)
	}

	// ttl: in an apply file: the same expiry, from apply's clock.
	file := filepath.Join(t.TempDir(), "ci.yaml")
	os.WriteFile(file, []byte("domains:\n  - name: ci\n    accounts:\n      - {username: job1, ttl: 10m}\n      - {username: job2, ttl: 10m}\n      - keep9\n"), 0o644)
	w.must(at(0), "apply", "-f", file, "--output", filepath.Join(t.TempDir(), "handover.json"))
	rs, errOut, code := w.run(at(11*time.Minute), "accounts", "cleanup", "--expired", "--domain", "ci", "--yes", "--json=username,result")
	var got []Result
	if code != 0 || json.Unmarshal([]byte(rs), &got) != nil {
		t.Fatalf("cleanup after apply: exit %d\n%s%s", code, rs, errOut)
	}
	var names []string
	for _, r := range got {
		if r.Result == ResultDeleted {
			names = append(names, r.Username)
		}
	}
	sort.Strings(names)
	if len(got) != 2 || !slices.Equal(names, []string{"job1", "job2"}) {
		t.Fatalf("cleanup after apply deleted %v of %+v", names, got)
	}
}

// TestCleanupTelnyxFace runs the proof on the sandbox's Telnyx API: the
// expiry is a tag on each credential connection.
func TestCleanupTelnyxFace(t *testing.T) {
	w := serve(t)
	out := w.must(nil, "sandbox", "status", "--json")
	var st struct {
		Key string `json:"telnyx_api_key"`
		API string `json:"api_url"`
	}
	if json.Unmarshal([]byte(out), &st) != nil || st.Key == "" {
		t.Fatalf("sandbox status: %s", out)
	}
	w.env.Set("TELNYX_API_KEY", st.Key).Set("SIPCTL_API_URL", st.API+"/v2").Set("SIPCTL_PROVIDER", "telnyx")
	proveCleanup(t, w, "sip.telnyx.com")
}

// TestCleanupKamailio runs the proof on a real Kamailio's database: the
// expiry is a usr_preferences row, which goes with the account.
func TestCleanupKamailio(t *testing.T) {
	db := kamailiotest.SQLite(t)
	k := kamailiotest.Start(t, db)
	w := &world{t: t, bin: testenv.Binary(t), env: testenv.NewEnv(t).Set("SIPCTL_QUIET", "1")}
	w.must(nil, "auth", "login", "--profile", "pbx", "--provider", "kamailio", "--db-url", db.URL, "--rpc-url", k.RPCURL, "--registrar", k.SIP)
	w.env.Set("SIPCTL_PROFILE", "pbx")
	const domain = "ci.example.test"
	w.must(nil, "domains", "create", domain)
	proveCleanup(t, w, domain)
	var n int
	if err := db.Open(t).QueryRow("SELECT COUNT(*) FROM usr_preferences WHERE attribute = 'sipctl_expires'").Scan(&n); err != nil || n != 3 {
		t.Fatalf("usr_preferences rows after cleanup: %d (%v), want the 3 long-lived accounts'", n, err)
	}
}
