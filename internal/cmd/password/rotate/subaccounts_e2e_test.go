package rotate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sipctl/sipctl/internal/journal"
	"github.com/sipctl/sipctl/internal/rotate"
	"github.com/sipctl/sipctl/internal/sandbox"
	"github.com/sipctl/sipctl/internal/sip"
	"github.com/sipctl/sipctl/internal/testenv"
)

// served is the built binary's `sandbox serve` behind a proxy that sees
// every API request: password sets, 429 answers, and a hook on each set.
type served struct {
	t       testing.TB
	bin     string
	env     *testenv.Env
	sipAddr string

	sets      atomic.Int64 // POSTs to a credential: a password set
	throttled atomic.Int64 // 429 answers from the sandbox
	// inFlight is the requests in progress at the proxy; peak, the most.
	inFlight, peak atomic.Int64
	onSet          atomic.Pointer[func(n int64)]
}

func (s *served) run(args ...string) (stdout, stderr string, code int) {
	s.t.Helper()
	return s.env.Run(s.t, "", args...)
}

type statusRecorder struct {
	http.ResponseWriter
	code int
	// answered runs once, before the answer's first byte leaves: the
	// request stops counting as in progress before sipctl can see it
	// answered and send the next one in its slot.
	answered sync.Once
	onAnswer func()
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.answered.Do(r.onAnswer)
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.answered.Do(r.onAnswer)
	return r.ResponseWriter.Write(b)
}

// serveSandbox runs `sandbox serve` on free loopback ports over the
// sandbox already in env's state directory, with a proxy in front; sipctl
// talks to the proxy with the sandbox profile.
func serveSandbox(t testing.TB, env *testenv.Env, extra ...string) *served {
	t.Helper()
	s := &served{t: t, bin: testenv.Binary(t), env: env}
	srv := testenv.StartServe(t, s.env, extra...)
	s.sipAddr = srv.SIPAddr
	upstream, _ := url.Parse("http://" + srv.HTTPAddr)
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	// Requests cut off by the SIGKILL are expected; keep the log quiet.
	proxy.ErrorLog = log.New(io.Discard, "", 0)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/Credentials/CR") {
			n := s.sets.Add(1)
			if f := s.onSet.Load(); f != nil {
				(*f)(n)
			}
		}
		in := s.inFlight.Add(1)
		for p := s.peak.Load(); in > p && !s.peak.CompareAndSwap(p, in); p = s.peak.Load() {
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK, onAnswer: func() { s.inFlight.Add(-1) }}
		proxy.ServeHTTP(rec, r)
		rec.answered.Do(rec.onAnswer)
		if rec.code == http.StatusTooManyRequests {
			s.throttled.Add(1)
		}
	}))
	t.Cleanup(front.Close)
	env.Set("SIPCTL_API_URL", front.URL).Set("SIPCTL_PROVIDER", "sandbox")
	return s
}

// seeded is one subaccount of the reseller the tests build.
type seeded struct {
	sid, name, domain string
	old               map[string]string // username → password before the run
}

// seedReseller makes, through the sandbox's own API in this process, n
// active subaccounts with per SIP accounts each on a registrable domain,
// plus one suspended subaccount with 3 accounts. It runs before `sandbox
// serve` opens the same database.
func seedReseller(t testing.TB, env *testenv.Env, n, per int) (active []seeded, suspended seeded) {
	t.Helper()
	dir := filepath.Join(env.StateHome, "sipctl")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	parent, tok := sb.Account()
	h := sb.Handler()
	post := func(path string, form url.Values, into any) {
		t.Helper()
		req := httptest.NewRequest("POST", "/2010-04-01/"+path+".json", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(parent, tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 300 {
			t.Fatalf("POST %s: %d %s", path, w.Code, w.Body.String())
		}
		if into != nil {
			json.Unmarshal(w.Body.Bytes(), into)
		}
	}
	var made struct {
		SID string `json:"sid"`
	}
	customer := func(name, domain string, accounts int) seeded {
		post("Accounts", url.Values{"FriendlyName": {name}}, &made)
		c := seeded{sid: made.SID, name: name, domain: domain, old: map[string]string{}}
		base := "Accounts/" + c.sid + "/SIP/"
		post(base+"Domains", url.Values{"DomainName": {domain}, "SipRegistration": {"true"}}, &made)
		dom := made.SID
		post(base+"CredentialLists", url.Values{"FriendlyName": {"phones"}}, &made)
		list := made.SID
		post(base+"Domains/"+dom+"/Auth/Registrations/CredentialListMappings", url.Values{"CredentialListSid": {list}}, nil)
		for i := 1; i <= accounts; i++ {
			u, pw := fmt.Sprintf("ext%03d", i), fmt.Sprintf("Old-Password-%s-%03dx", c.sid[2:8], i)
			post(base+"CredentialLists/"+list+"/Credentials", url.Values{"Username": {u}, "Password": {pw}}, nil)
			c.old[u] = pw
		}
		return c
	}
	for i := 1; i <= n; i++ {
		active = append(active, customer(fmt.Sprintf("Customer %02d", i), fmt.Sprintf("cust%02d.sip.twilio.com", i), per))
	}
	suspended = customer("Gone Dental", "gone.sip.twilio.com", 3)
	post("Accounts/"+suspended.sid, url.Values{"Status": {"suspended"}}, nil)
	return active, suspended
}

// register checks each user's password with a REGISTER to the serve's
// registrar and returns those whose outcome is not want.
func (s *served) register(domain string, users map[string]string, want sip.Outcome) []string {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	var mu sync.Mutex
	var bad []string
	for u, pw := range users {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			res, err := sip.Check(context.Background(), sip.CheckOptions{Username: u, Password: pw, Domain: domain,
				Registrar: s.sipAddr, Timeout: 10 * time.Second})
			if err != nil || res.Outcome != want {
				mu.Lock()
				bad = append(bad, fmt.Sprintf("%s@%s: %v %s", u, domain, err, res.Outcome))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return bad
}

func readAnyHandover(t *testing.T, path string) []rotate.Record {
	t.Helper()
	rs, err := rotate.ReadHandover(path)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %v", path, st.Mode().Perm())
	}
	return rs
}

// TestAllSubaccountsKilledAndResumed is issue 13's proof for resellers: 20
// subaccounts of 50 accounts each; `--all-subaccounts` is SIGKILLed partway,
// `--resume RUN-ID` finishes exactly what the journal had not, and then
// every password in every customer's handover registers and every old one
// is refused. The suspended subaccount is skipped and keeps its passwords.
func TestAllSubaccountsKilledAndResumed(t *testing.T) {
	env := testenv.NewEnv(t)
	customers, gone := seedReseller(t, env, 20, 50)
	s := serveSandbox(t, env, "--latency", "2ms")
	outDir := filepath.Join(t.TempDir(), "handovers")

	cmd := exec.Command(s.bin, "password", "rotate", "--all-subaccounts", "--output-dir", outDir, "--output-format", "json", "--yes")
	cmd.Env = env.Environ()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	var killed atomic.Bool
	kill := func(n int64) {
		if n == 400 && killed.CompareAndSwap(false, true) {
			cmd.Process.Signal(syscall.SIGKILL)
		}
	}
	s.onSet.Store(&kill)
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the run was not killed: %v\n%s", err, stderr.String())
	}
	s.onSet.Store(nil)
	if files, _ := filepath.Glob(filepath.Join(outDir, "*.json")); len(files) != 0 {
		t.Fatalf("handovers written before the run finished: %v", files)
	}
	journals, _ := filepath.Glob(filepath.Join(env.StateHome, "sipctl", "journal", "*.jsonl"))
	if len(journals) != 1 {
		t.Fatalf("journals after the kill: %v", journals)
	}
	j, err := journal.Read(journals[0])
	if err != nil {
		t.Fatal(err)
	}
	doneAtKill := 0
	for _, e := range j.Entries() {
		if e.Status == journal.Done {
			doneAtKill++
		}
	}
	if len(j.Entries()) != 1000 || doneAtKill == 0 || doneAtKill >= 1000 || len(j.Header().Handovers) != 20 {
		t.Fatalf("journal: %d entries, %d done, %d handovers", len(j.Entries()), doneAtKill, len(j.Header().Handovers))
	}
	setsAtKill := s.sets.Load()

	runID := journal.RunIDOf(journals[0])
	if show, errOut, code := s.run("password", "runs", "show", runID); code != 0 || !strings.Contains(show, "20 files (one per subaccount) in "+outDir) {
		t.Fatalf("runs show: exit %d\n%s%s", code, show, errOut)
	}
	out, errOut, code := s.run("password", "rotate", "--resume", runID, "--json")
	if code != 0 {
		t.Fatalf("--resume: exit %d\n%s", code, errOut)
	}
	if resent := s.sets.Load() - setsAtKill; resent != int64(1000-doneAtKill) {
		t.Fatalf("--resume sent %d password sets; the journal had %d not done", resent, 1000-doneAtKill)
	}
	if !strings.Contains(errOut, "Rotated 1000, failed 0, not attempted 0 (of 1000).") {
		t.Fatalf("--resume summary:\n%s", errOut)
	}
	var summary []CustomerResult
	if err := json.Unmarshal([]byte(out), &summary); err != nil || len(summary) != 20 {
		t.Fatalf("--json summary (%v):\n%s", err, out)
	}
	for _, r := range summary {
		if r.Outcome != "rotated" || r.Rotated != 50 || r.Accounts != 50 || r.Handover == "" {
			t.Errorf("summary %+v", r)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(env.StateHome, "sipctl", "journal", "*.jsonl")); len(left) != 0 {
		t.Fatalf("journal not removed after the handovers: %v", left)
	}

	files, _ := filepath.Glob(filepath.Join(outDir, "*.json"))
	if len(files) != 20 {
		t.Fatalf("%d handover files, want one per active subaccount: %v", len(files), files)
	}
	total := 0
	for _, c := range customers {
		path := filepath.Join(outDir, handoverName(rotate.Customer{SID: c.sid, Name: c.name}, "json"))
		rs := readAnyHandover(t, path)
		total += len(rs)
		fresh := map[string]string{}
		for _, r := range rs {
			if r.Domain != c.domain {
				t.Fatalf("%s holds %s@%s of another customer", path, r.Username, r.Domain)
			}
			if r.Password == c.old[r.Username] {
				t.Fatalf("%s@%s was not rotated", r.Username, r.Domain)
			}
			if strings.Contains(stderr.String()+errOut+out, r.Password) {
				t.Fatal("a password reached stdout or stderr")
			}
			fresh[r.Username] = r.Password
		}
		if len(fresh) != 50 {
			t.Fatalf("%s: %d accounts, want 50", path, len(fresh))
		}
		if bad := s.register(c.domain, fresh, sip.Accepted); len(bad) > 0 {
			t.Fatalf("%d new passwords of %s did not register: %v", len(bad), c.name, bad[:min(5, len(bad))])
		}
		if bad := s.register(c.domain, c.old, sip.Rejected); len(bad) > 0 {
			t.Fatalf("%d old passwords of %s were not refused: %v", len(bad), c.name, bad[:min(5, len(bad))])
		}
	}
	if total != 1000 {
		t.Fatalf("handovers hold %d passwords, want 1000", total)
	}
	if bad := s.register(gone.domain, gone.old, sip.Accepted); len(bad) > 0 {
		t.Fatalf("the suspended subaccount's passwords changed: %v", bad)
	}
	if strings.Contains(stderr.String(), "Rotating passwords") {
		t.Fatalf("progress in a pipe:\n%s", stderr.String())
	}
}

// TestAllSubaccountsOneBudget: one concurrency budget for every customer.
// The sandbox answers 429 beyond --max-concurrency requests in progress;
// with the cap equal to --concurrency and 8 subaccounts, it never had to,
// so the run never had more in flight than the cap (eight budgets of 10
// would have had up to 80).
func TestAllSubaccountsOneBudget(t *testing.T) {
	env := testenv.NewEnv(t)
	customers, _ := seedReseller(t, env, 8, 25)
	// No cap at the sandbox: a 429 would shrink sipctl's window and hide
	// a budget per customer (8 × 10 in flight).
	s := serveSandbox(t, env, "--latency", "20ms")
	outDir := filepath.Join(t.TempDir(), "out")
	out, errOut, code := s.run("password", "rotate", "--all-subaccounts", "--output-dir", outDir, "--concurrency", "10", "--yes", "--json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if p := s.peak.Load(); p > 10 {
		t.Fatalf("%d requests were in progress at once; the budget is 10", p)
	}
	if n := s.sets.Load(); n != 200 {
		t.Fatalf("%d password sets, want 200", n)
	}
	var summary []CustomerResult
	if err := json.Unmarshal([]byte(out), &summary); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	outcomes := map[string]int{}
	for _, r := range summary {
		outcomes[r.Outcome]++
		if r.Subaccount == "Gone Dental" && (r.AccountStatus != "suspended" || r.Rotated != 0 || r.Handover != "") {
			t.Errorf("suspended subaccount: %+v", r)
		}
	}
	if outcomes["rotated"] != 8 || outcomes["skipped"] != 1 || len(summary) != 9 {
		t.Fatalf("outcomes %v\n%s", outcomes, out)
	}
	if !strings.Contains(errOut, "skipped: subaccount Gone Dental") || !strings.Contains(errOut, "Skipped 1 subaccount that is not active.") {
		t.Fatalf("no note of the skipped subaccount:\n%s", errOut)
	}
	for _, c := range customers {
		rs := readAnyHandover(t, filepath.Join(outDir, handoverName(rotate.Customer{SID: c.sid, Name: c.name}, "csv")))
		if len(rs) != 25 {
			t.Fatalf("%s: %d records", c.name, len(rs))
		}
	}
}
